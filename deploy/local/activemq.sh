# activemq.sh - ActiveMQ Classic from Debian's activemq package, run as a
# plain process with our own activemq.xml (sourced by stack.sh). Debian's
# system service is not used.

AMQ_HOME=/usr/share/activemq
AMQ_BASE=$STACK_DIR/activemq

activemq_health() {
  port_open "$STOMP_HOST" "$STOMP_PORT" || return 1
  # A real STOMP CONNECT answered by CONNECTED.
  python3 - "$STOMP_HOST" "$STOMP_PORT" "$STOMP_USER" "$STOMP_PASSWORD" <<'PY' 2>/dev/null
import socket, sys
host, port, user, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.create_connection((host, port), timeout=3)
s.sendall(f"CONNECT\naccept-version:1.2\nhost:{host}\nlogin:{user}\npasscode:{pw}\n\n\0".encode())
data = s.recv(4096)
s.sendall(b"DISCONNECT\n\n\0")
sys.exit(0 if data.startswith(b"CONNECTED") else 1)
PY
}

activemq_start() {
  pid_of activemq >/dev/null && return 0
  [ -f "$AMQ_HOME/bin/activemq.jar" ] || die "activemq: Debian package not installed (deploy/install-deps.sh)"
  mkdir -p "$AMQ_BASE/conf" "$AMQ_BASE/data" "$AMQ_BASE/tmp"
  cp "$HERE/activemq.xml" "$AMQ_BASE/conf/activemq.xml"
  cp "$HERE/activemq-log4j.properties" "$AMQ_BASE/conf/log4j.properties"
  spawn activemq java -Xms128m -Xmx512m -Djava.awt.headless=true \
    -Dactivemq.classpath="$AMQ_BASE/conf" -Dactivemq.home="$AMQ_HOME" \
    -Dactivemq.base="$AMQ_BASE" -Dactivemq.conf="$AMQ_BASE/conf" \
    -Dactivemq.data="$AMQ_BASE/data" -Djava.io.tmpdir="$AMQ_BASE/tmp" \
    -Dspider.stomp.bind="$STOMP_HOST" -Dspider.stomp.port="$STOMP_PORT" \
    -Dspider.stomp.user="$STOMP_USER" -Dspider.stomp.password="$STOMP_PASSWORD" \
    -Dspider.stomp.denied.user="$STOMP_DENIED_USER" -Dspider.stomp.denied.password="$STOMP_DENIED_PASSWORD" \
    -jar "$AMQ_HOME/bin/activemq.jar" start "xbean:file:$AMQ_BASE/conf/activemq.xml"
}

activemq_wait() { wait_until 90 activemq activemq_health; }
activemq_stop() { stop_pid activemq 30; }
activemq_status() { echo "activemq       stomp://$STOMP_HOST:$STOMP_PORT (user $STOMP_USER)"; }
