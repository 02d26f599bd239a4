# lib.sh - shared helpers of the local stack scripts (sourced, not run).
# Loads stack.env, knows where everything lives under STACK_DIR, starts
# daemons with pidfiles and waits for health with bounded timeouts.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
set -a
# shellcheck source=stack.env
. "$HERE/stack.env"
set +a
LOGS=$STACK_DIR/logs
RUN=$STACK_DIR/run
STACK_USER=spider-stack       # the search servers refuse to run as root
JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
export JAVA_HOME

say()  { printf '%s\n' "stack: $*" >&2; }
die()  { say "error: $*"; exit 1; }

ensure_dirs() {
  mkdir -p "$STACK_DIR" "$LOGS" "$RUN"
  chmod 755 "$STACK_DIR"
}

# STACK_PRIV: the command prefix that drops to the stack user (empty when
# not root). Creates the user on first use.
stack_priv() {
  STACK_PRIV=()
  [ "$(id -u)" -eq 0 ] || return 0
  id "$STACK_USER" >/dev/null 2>&1 ||
    useradd --system --no-create-home --shell /usr/sbin/nologin "$STACK_USER"
  STACK_PRIV=(setpriv --reuid="$STACK_USER" --regid="$STACK_USER" --init-groups --)
}

own_by_stack_user() {
  [ "$(id -u)" -eq 0 ] && chown -R "$STACK_USER:$STACK_USER" "$@"
  return 0
}

# alive PID: the process exists and is not a zombie (our daemons are
# reparented to PID 1, which may reap them late).
alive() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $st != Z* ]]
}

pid_of() {  # name -> pid if running
  local f=$RUN/$1.pid pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [ -n "$pid" ] && alive "$pid" && echo "$pid"
}

# Starts a daemon in its own session, output to logs/NAME.log, pid recorded.
spawn() {  # name cmd...
  local name=$1; shift
  setsid "$@" >>"$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
}

stop_pid() {  # name [grace seconds]
  local name=$1 grace=${2:-30} pid i
  pid=$(pid_of "$name") || { rm -f "$RUN/$name.pid"; return 0; }
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < grace * 5; i++)); do
    alive "$pid" || break
    sleep 0.2
  done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$RUN/$name.pid"
}

# Protocol-level health checks, 3 s at most each, credentials from the
# environment (never argv). probe kafka HOST PORT: a Metadata v0 request
# lists at least one live broker. probe stomp HOST PORT: CONNECT as
# STOMP_USER is answered by CONNECTED.
probe() { timeout 3 bash -c 'probe_'"$1"' "$@"' _ "$2" "$3" 2>/dev/null; }
probe_kafka() {
  exec 3<>"/dev/tcp/$1/$2" || return 1
  # size 19 | ApiKey 3 | version 0 | correlation 1 | client "probe" | 0 topics
  printf '\x00\x00\x00\x13\x00\x03\x00\x00\x00\x00\x00\x01\x00\x05probe\x00\x00\x00\x00' >&3
  # size(4) correlation(4) broker count(4)
  local b
  b=$(head -c 12 <&3 | od -An -tu1 | tr -s ' \n' ' ')
  read -r -a b <<<"$b"
  [ "${#b[@]}" -eq 12 ] && [ $(( b[8] | b[9] | b[10] | b[11] )) -gt 0 ]
}
probe_stomp() {
  exec 3<>"/dev/tcp/$1/$2" || return 1
  printf 'CONNECT\naccept-version:1.2\nhost:%s\nlogin:%s\npasscode:%s\n\n\0' \
    "$1" "$STOMP_USER" "$STOMP_PASSWORD" >&3
  local line
  IFS= read -r line <&3 && [ "$line" = CONNECTED ] && printf 'DISCONNECT\n\n\0' >&3
}
export -f probe_kafka probe_stomp

# wait_until SECONDS NAME CHECK...: polls CHECK until it succeeds.
wait_until() {
  local timeout=$1 name=$2 i; shift 2
  for ((i = 0; i < timeout * 2; i++)); do
    "$@" && return 0
    if [ -f "$RUN/$name.pid" ] && ! pid_of "$name" >/dev/null; then
      say "$name exited during start-up; last lines of $LOGS/$name.log:"
      tail -n 40 "$LOGS/$name.log" >&2
      return 1
    fi
    sleep 0.5
  done
  say "$name not healthy after ${timeout}s; last lines of $LOGS/$name.log:"
  tail -n 40 "$LOGS/$name.log" >&2
  return 1
}

# mvn, its output in logs/mvn.log (shown when it fails).
mvn_quiet() {
  mvn -q -B "$@" >>"$LOGS/mvn.log" 2>&1 || { tail -n 30 "$LOGS/mvn.log" >&2; return 1; }
}

# Resolves a Maven artifact (through ~/.m2, so a fresh machine downloads
# it) into $STACK_DIR/downloads once, and prints its path there.
mvn_artifact() {  # group artifact version packaging
  local g=$1 a=$2 v=$3 p=$4 dir=$STACK_DIR/downloads
  if [ ! -f "$dir/$a-$v.$p" ]; then
    say "resolving $g:$a:$v:$p with mvn"
    mvn_quiet dependency:copy -Dartifact="$g:$a:$v:$p" -DoutputDirectory="$dir" ||
      die "mvn could not resolve $g:$a:$v:$p"
  fi
  echo "$dir/$a-$v.$p"
}

# cluster_ok URL [curl args]: _cluster/health is green or yellow.
cluster_ok() {
  local url=$1; shift
  curl -fsS --max-time 5 "$@" "$url/_cluster/health" 2>/dev/null | grep -Eq '"status":"(green|yellow)"'
}

# Our server processes that no pidfile knows (a lost pidfile, a killed
# script): java or nginx processes whose command line names $STACK_DIR/.
leftover_pids() {
  local d pid cmd
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    case $(cat "$d/comm" 2>/dev/null) in java|nginx) ;; *) continue ;; esac
    cmd=$(tr '\0' ' ' < "$d/cmdline" 2>/dev/null) || continue
    [[ $cmd == *"$STACK_DIR/"* ]] && echo "$pid"
  done
  return 0
}

# Stops them: TERM, up to 20 s, then KILL. A process leading its own group
# (ours do: spawn uses setsid) is signalled with its group (nginx workers, the
# Elasticsearch server under its launcher).
kill_leftovers() {
  local sig pid i pids
  for sig in TERM KILL; do
    pids=$(leftover_pids)
    [ -n "$pids" ] || return 0
    say "stopping leftover processes ($sig): $(echo $pids)"
    for pid in $pids; do
      if [ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$pid" ]; then
        kill "-$sig" -- "-$pid" 2>/dev/null || true
      else
        kill "-$sig" "$pid" 2>/dev/null || true
      fi
    done
    for ((i = 0; i < 100; i++)); do
      [ -n "$(leftover_pids)" ] || return 0
      sleep 0.2
    done
  done
}

# The stack's own test CA and a server certificate for 127.0.0.1/localhost
# (nginx and ActiveMQ's stomp+ssl connector), made once; plus a PKCS12 copy
# of the server key and certificate for Java.
TLS_DIR=$STACK_DIR/tls
KEYSTORE_PASSWORD=spider-keystore
stack_tls() {
  [ -f "$TLS_DIR/server.p12" ] && return 0
  mkdir -p "$TLS_DIR" "$LOGS"
  (
    cd "$TLS_DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=spider local test CA" \
      -keyout ca.key -out ca.pem
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > san.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile san.ext -out server.pem
    openssl pkcs12 -export -in server.pem -inkey server.key -name server \
      -passout "pass:$KEYSTORE_PASSWORD" -out server.p12
    chmod 600 ca.key server.key server.p12
    chmod 644 ca.pem server.pem
  ) >>"$LOGS/tls.log" 2>&1 || die "making the test CA failed (see $LOGS/tls.log)"
}
