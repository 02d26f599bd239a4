# kafka.sh - Apache Kafka 3.9 in KRaft mode, one node acting as broker and
# controller, from the jars on Maven Central (sourced by stack.sh).

KAFKA_HOME=$STACK_DIR/kafka

# The jars of kafka-pom.xml in $KAFKA_HOME/libs; done again when the pom changes.
kafka_fetch() {
  local sum
  sum=$(sha256sum < "$HERE/kafka-pom.xml")
  [ "$(cat "$KAFKA_HOME/libs/.complete" 2>/dev/null)" = "$sum" ] && return 0
  say "kafka: resolving jars with mvn (cached in ~/.m2)"
  rm -rf "$KAFKA_HOME/libs"
  mkdir -p "$KAFKA_HOME/libs"
  mvn_quiet -f "$HERE/kafka-pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/libs" ||
    die "kafka: mvn could not resolve the Kafka jars"
  echo "$sum" > "$KAFKA_HOME/libs/.complete"
}

kafka_configure() {
  local host=${KAFKA_BOOTSTRAP%:*} port=${KAFKA_BOOTSTRAP##*:} cport=${KAFKA_CONTROLLER##*:}
  cat > "$KAFKA_HOME/server.properties" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$host:$cport
listeners=PLAINTEXT://$host:$port,CONTROLLER://$host:$cport
advertised.listeners=PLAINTEXT://$host:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$KAFKA_HOME/data
num.partitions=4
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
log.cleaner.enable=true
CONF
  cat > "$KAFKA_HOME/log4j.properties" <<'CONF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=WARN
log4j.logger.kafka.server.KafkaConfig=WARN
log4j.logger.org.apache.kafka.clients.consumer.ConsumerConfig=WARN
CONF
}

KAFKA_JAVA=(java -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true
            "-Dlog4j.configuration=file:$KAFKA_HOME/log4j.properties"
            -cp "$KAFKA_HOME/libs/*")

kafka_format() {
  [ -f "$KAFKA_HOME/data/meta.properties" ] && return 0
  local id
  id=$("${KAFKA_JAVA[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
  [ -n "$id" ] || die "kafka: could not make a cluster id"
  "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format -t "$id" -c "$KAFKA_HOME/server.properties" \
    >>"$LOGS/kafka.log" 2>&1 || die "kafka: formatting storage failed (see $LOGS/kafka.log)"
}

# A real Metadata request that lists the broker (it answers once unfenced).
kafka_health() { probe kafka "${KAFKA_BOOTSTRAP%:*}" "${KAFKA_BOOTSTRAP##*:}"; }

kafka_start() {
  pid_of kafka >/dev/null && return 0
  kafka_fetch
  mkdir -p "$KAFKA_HOME/data"
  kafka_configure
  kafka_format
  spawn kafka "${KAFKA_JAVA[@]}" kafka.Kafka "$KAFKA_HOME/server.properties"
}

kafka_wait() { wait_until 120 kafka kafka_health; }
kafka_stop() { stop_pid kafka 30; }
kafka_status() { echo "kafka          $KAFKA_BOOTSTRAP (KRaft, controller $KAFKA_CONTROLLER)"; }
