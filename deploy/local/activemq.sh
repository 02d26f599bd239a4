# activemq.sh - ActiveMQ Classic from Debian's activemq package, run as a
# plain process with our own activemq.xml (sourced by stack.sh). Debian's
# system service is not used.

AMQ_HOME=/usr/share/activemq
AMQ_BASE=$STACK_DIR/activemq

# A real STOMP CONNECT as STOMP_USER answered by CONNECTED.
activemq_health() { probe stomp "$STOMP_HOST" "$STOMP_PORT"; }

# The broker reads the users of stack.env from conf/credentials.properties
# (mode 600), so they do not show in ps.
activemq_credentials() {
  local f=$AMQ_BASE/conf/credentials.properties
  (
    umask 077
    printf '%s=%s\n' \
      spider.stomp.user "$STOMP_USER" spider.stomp.password "$STOMP_PASSWORD" \
      spider.stomp.denied.user "$STOMP_DENIED_USER" \
      spider.stomp.denied.password "$STOMP_DENIED_PASSWORD" > "$f"
  )
}

activemq_start() {
  pid_of activemq >/dev/null && return 0
  [ -f "$AMQ_HOME/bin/activemq.jar" ] || die "activemq: Debian package not installed (deploy/install-deps.sh)"
  stack_tls
  mkdir -p "$AMQ_BASE/conf" "$AMQ_BASE/data" "$AMQ_BASE/tmp"
  cp "$HERE/activemq.xml" "$AMQ_BASE/conf/activemq.xml"
  cp "$HERE/activemq-log4j.properties" "$AMQ_BASE/conf/log4j.properties"
  activemq_credentials
  spawn activemq java -Xms128m -Xmx512m -Djava.awt.headless=true \
    -Dactivemq.classpath="$AMQ_BASE/conf" -Dactivemq.home="$AMQ_HOME" \
    -Dactivemq.base="$AMQ_BASE" -Dactivemq.conf="$AMQ_BASE/conf" \
    -Dactivemq.data="$AMQ_BASE/data" -Djava.io.tmpdir="$AMQ_BASE/tmp" \
    -Dspider.stomp.bind="$STOMP_HOST" -Dspider.stomp.port="$STOMP_PORT" \
    -Dspider.stomp.tls.port="$STOMP_TLS_PORT" -Dspider.tls.dir="$TLS_DIR" \
    -Dspider.keystore.password="$KEYSTORE_PASSWORD" \
    -jar "$AMQ_HOME/bin/activemq.jar" start "xbean:file:$AMQ_BASE/conf/activemq.xml"
}

activemq_wait() { wait_until 90 activemq activemq_health; }
activemq_stop() { stop_pid activemq 30; }
activemq_status() { echo "activemq       stomp://$STOMP_HOST:$STOMP_PORT, stomp+ssl port $STOMP_TLS_PORT (user $STOMP_USER)"; }
