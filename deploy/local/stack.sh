#!/usr/bin/env bash
# stack.sh - the local stack of real servers as plain processes on 127.0.0.1:
# Kafka (KRaft), ActiveMQ (STOMP), OpenSearch behind nginx at /es, and
# Elasticsearch. Endpoints and credentials: stack.env. Logs: $STACK_DIR/logs.
#
#   stack.sh up [COMPONENT...]     start (no-op for what runs) and wait healthy
#   stack.sh down [COMPONENT...]   stop, leaving no process behind
#   stack.sh status                one line per server: address and health
#   stack.sh check                 exit 0 only when every server is healthy
#
# Components: activemq kafka opensearch nginx elasticsearch
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$HERE/kafka.sh"
. "$HERE/activemq.sh"
. "$HERE/search.sh"
. "$HERE/nginx.sh"

ALL=(activemq kafka opensearch nginx elasticsearch)

components() {
  local c
  for c in "$@"; do
    [[ " ${ALL[*]} " == *" $c "* ]] || die "unknown component '$c' (one of: ${ALL[*]})"
  done
  if [ $# -eq 0 ]; then echo "${ALL[@]}"; else echo "$@"; fi
}

cmd_up() {
  local list c
  read -r -a list <<<"$(components "$@")"
  ensure_dirs
  # Start all first (the JVMs boot in parallel), then wait for each. nginx
  # fronts OpenSearch, so it starts once OpenSearch answers.
  for c in "${list[@]}"; do
    [ "$c" = nginx ] && continue
    if "${c}_health"; then continue; fi
    say "starting $c"
    "${c}_start"
  done
  for c in "${list[@]}"; do
    [ "$c" = nginx ] && continue
    "${c}_health" || "${c}_wait" || die "$c did not come up"
  done
  if [[ " ${list[*]} " == *" nginx "* ]] && ! nginx_health; then
    say "starting nginx"
    nginx_start
    nginx_wait || die "nginx did not come up"
  fi
  say "up: ${list[*]}"
}

cmd_down() {
  local list c i
  read -r -a list <<<"$(components "$@")"
  for ((i = ${#list[@]} - 1; i >= 0; i--)); do
    c=${list[i]}
    "${c}_stop"
  done
  # Anything of ours left without a pidfile (a crashed script, a lost pidfile).
  [ $# -eq 0 ] && kill_leftovers
  say "down: ${list[*]}"
}

cmd_status() {
  local c health
  for c in "${ALL[@]}"; do
    if "${c}_health"; then health=healthy; elif pid_of "$c" >/dev/null; then health=starting; else health=down; fi
    printf '%-9s %s\n' "$health" "$("${c}_status")"
  done
  echo "logs      $LOGS"
}

cmd_check() {
  local c
  for c in "${ALL[@]}"; do "${c}_health" || return 1; done
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  status) cmd_status ;;
  check) cmd_check ;;
  *) echo "usage: $0 up|down|status|check [component...]" >&2; exit 2 ;;
esac
