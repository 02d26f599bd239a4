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

pid_of() {  # name -> pid if running
  local f=$RUN/$1.pid pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
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
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$RUN/$name.pid"
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

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

# Resolves a Maven artifact into ~/.m2 and prints its path.
mvn_artifact() {  # group artifact version packaging
  local g=$1 a=$2 v=$3 p=$4
  local path="$HOME/.m2/repository/${g//.//}/$a/$v/$a-$v.$p"
  if [ ! -f "$path" ]; then
    mvn -q -B dependency:get -Dartifact="$g:$a:$v:$p" -Dtransitive=false >&2 ||
      die "mvn could not resolve $g:$a:$v:$p"
  fi
  echo "$path"
}

http_ok() { curl -fs -o /dev/null --max-time 5 "$@"; }
