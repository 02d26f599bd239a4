#!/usr/bin/env bash
# itest_differ_compare.sh - spider-differ compare on the real servers: the
# collector's history documents (spider-sim, real Kafka) as a Kafka topic,
# as JSON lines, and as published by spider-publisher into OpenSearch
# (behind nginx /es, TLS, basic auth) and Elasticsearch compare identical
# across every pair of sides (metadata.* ignored: the publisher adds its git
# hash); a planted change in the JSON lines fails the gate with the field
# named; an unknown cluster or a missing index is an input error (exit 2);
# the report reaches ActiveMQ and python3-stomp reads it back.
set -uo pipefail
. "$(dirname "$0")/clusters.sh"      # B, ROOT, tmp, the helpers
T=itcmp$$
tpl=$T
export PATH="$B/sim-bin:$PATH" SPIDER_SIM_SCHEDDS=3 SPIDER_SIM_JOBS=30
pub=""
cleanup() {
  [ -n "$pub" ] && kill "$pub" 2>/dev/null
  for c in os es; do delete_indices $c "$tpl-*"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
D() { "$B/spider-differ" "$@" --es-conf "$tmp/es_conf.json" --kafka-brokers "$KAFKA_BOOTSTRAP" --es-page 7 --log-level warn; }

cycle 6
cycle 7
want=$(unique)
"$B/spider-publisher" run --es-conf "$tmp/es_conf.json" --kafka-brokers "$KAFKA_BOOTSTRAP" --topics "$T.history" \
  --group "$T.group" --batch-ms 300 --log-level warn 2>>"$tmp/publisher.log" &
pub=$!
check "the publisher put all $want documents in both clusters" 'wait_count os "$want" 60 && wait_count es "$want" 60'
kill "$pub"; wait "$pub" 2>/dev/null; pub=""

index=$(cluster_curl os "$OPENSEARCH_URL/_cat/indices/$tpl-*?h=index" | sort | head -1)
all="$tpl-*"
out=$(D compare "kafka:$T.history" "$tmp/docs.jsonl"); rc=$?
check "Kafka topic vs JSON lines: identical (exit 0)" '[ $rc -eq 0 ] && [[ $out == *PASS* ]]'
out=$(D compare "es:$OS_NAME/$all" "$tmp/docs.jsonl" --report "$tmp/os.json"); rc=$?
check "OpenSearch vs JSON lines: identical, paged 7 at a time (exit 0)" '[ $rc -eq 0 ] && [[ $out == *PASS* ]]'
check "the report counts the $want documents on the OpenSearch side" \
  'grep -q "\"left_count\": *$want" "$tmp/os.json" || grep -q "\"left_count\":$want" "$tmp/os.json"'
out=$(D compare "es:$ES_NAME/$all" "es:$OS_NAME/$all" --amq-brokers "$STOMP_HOST:$STOMP_PORT" --amq-topic "/queue/$T.reports" \
  --amq-username-file "$tmp/amq_username" --amq-password-file "$tmp/amq_password"); rc=$?
check "Elasticsearch vs OpenSearch: identical (exit 0)" '[ $rc -eq 0 ] && [[ $out == *PASS* ]]'
report=$(/usr/bin/python3 "$(dirname "$0")/amq_dump.py" "/queue/$T.reports" 2)
check "python3-stomp reads the report from ActiveMQ ($report)" '[[ $report == *"\"pass\": true"* || $report == *"\"pass\":true"* ]]'

sed '1,3s/"Owner":"[^"]*"/"Owner":"planted"/' "$tmp/docs.jsonl" > "$tmp/planted.jsonl"
out=$(D compare "es:$OS_NAME/$all" "$tmp/planted.jsonl" --min-match 99.9%); rc=$?
check "a planted change fails the gate (exit 1) and names Owner" '[ $rc -eq 1 ] && [[ $out == *FAIL* ]] && [[ $out == *Owner* ]]'
out=$(D compare "es:nosuch.example:9200/$index" "$tmp/docs.jsonl" 2>&1); rc=$?
check "an unknown cluster is an input error (exit 2)" '[ $rc -eq 2 ] && [[ $out == *nosuch* ]]'
out=$(D compare "es:$ES_NAME/$T-missing" "$tmp/docs.jsonl" 2>&1); rc=$?
check "a missing index is an input error (exit 2)" '[ $rc -eq 2 ] && [[ $out == *"$T-missing"* ]]'
[ $fail -eq 0 ] || { echo "---- publisher log"; tail -5 "$tmp/publisher.log"; }
exit $fail
