# clusters.sh - sourced by the shell integration tests that talk to both
# search clusters of the local stack (stack.env in the environment). Sets
# B and ROOT (the build and source trees, from ctest), makes the scratch
# directory $tmp (the test removes it) with es_conf.json for both clusters
# and the ActiveMQ credential files (amq_username, amq_password), and defines:
#   check NAME EXPR          evaluate EXPR, print ok/FAIL, remember failures in $fail
#   cycle STEP               one spider-sim history poll to Kafka ($T.history) and, the same
#                            documents, as JSON lines to $tmp/docs.jsonl (uses $B, $T, $tpl, $tmp)
#   unique [FILE...]         distinct documents (ids) in JSON lines ($tmp/docs.jsonl)
#   count os|es              documents in the clusters' $tpl-* indices
#   wait_count os|es N [S]   wait up to S seconds (120) until count is N
#   latest FILE...           JSON-lines documents, the last of each id kept, as an index
#                            keeps them (history polls overlap)
#   OS_NAME, ES_NAME         the clusters' names in es_conf.json (host[:port])
#   stop_clean PID LOG       SIGTERM PID; fails unless it exits 0 with no sanitizer report in LOG
#   free_port                an unused loopback TCP port
# and deploy/local/clusters.sh's write_es_conf, cluster_url, cluster_curl.
B=${SPIDER_BUILD_DIR:?}
ROOT=${SPIDER_SOURCE_DIR:?}
: "${OPENSEARCH_URL:?run through run-with-stack.sh}"
tmp=$(mktemp -d)
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
stop_clean() {
  kill "$1" 2>/dev/null; wait "$1"; local rc=$?
  [ $rc = 0 ] && ! grep -qE 'Sanitizer|runtime error' "$2" || { echo "  exit $rc; $(grep -m3 -E 'Sanitizer|runtime error' "$2")"; return 1; }
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
. "$(dirname "${BASH_SOURCE[0]}")/../../deploy/local/clusters.sh"
write_es_conf "$tmp"
echo "$STOMP_USER" > "$tmp/amq_username"; echo "$STOMP_PASSWORD" > "$tmp/amq_password"

cycle() {
  local now=$((1763800000 + $1 * 720))
  SPIDER_SIM_STEP=$1 "$B/spider-collector" run --once --now "$now" --process-queue=false --index-template "$tpl" \
    --checkpoint-file "$tmp/cp.json" --topic-history "$T.history" --kafka-brokers "$KAFKA_BOOTSTRAP" --log-level error
  SPIDER_SIM_STEP=$1 "$B/spider-collector" run --once --now "$now" --process-queue=false --index-template "$tpl" \
    --checkpoint-file "$tmp/cp-jsonl.json" --output jsonl --output-file "$tmp/docs.jsonl" --log-level error
}
unique() { grep -ho '"GlobalJobId":"[^"]*"\|"RecordTime":[0-9]*' "${@:-$tmp/docs.jsonl}" | paste - - | sort -u | wc -l; }
count() { cluster_curl "$1" "$(cluster_url "$1")/$tpl-*/_count" | sed -n 's/.*"count":\([0-9]*\).*/\1/p'; }
wait_count() {
  local i
  for ((i = 0; ; i++)); do
    [ "$(count "$1")" = "$2" ] && return 0
    [ $i -lt $((${3:-120} * 2)) ] || break
    sleep 0.5
  done
  echo "  $1 $tpl-* has $(count "$1"), want $2"
  return 1
}
latest() {
  cat "$@" | tac | awk '{ g = match($0, /"GlobalJobId":"[^"]*"/) ? substr($0, RSTART, RLENGTH) : ""
                         r = match($0, /"RecordTime":[0-9]+/) ? substr($0, RSTART, RLENGTH) : ""
                         if (!seen[g r]++) print }' | tac
}
OS_NAME=${OPENSEARCH_URL#https://}; OS_NAME=${OS_NAME%/es}
ES_NAME=${ELASTICSEARCH_URL#http://}
