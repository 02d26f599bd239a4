#!/usr/bin/env bash
# itest_publish.sh - spider-publisher run against the real stack: the
# collector's history documents (spider-sim pool, real Kafka) end up in both
# clusters (OpenSearch behind nginx /es, Elasticsearch), each exactly once,
# with metadata.publisher_git_hash, and as MONIT notifications on ActiveMQ,
# which python3-stomp reads back; a publisher stopped and started again
# resumes from its committed offsets: the next cycle's documents arrive and
# nothing is lost or doubled.
set -uo pipefail
. "$(dirname "$0")/clusters.sh"      # B, ROOT, tmp, the helpers
T=itpub$$
tpl=$T
export PATH="$B/sim-bin:$PATH" SPIDER_SIM_SCHEDDS=3 SPIDER_SIM_JOBS=30
pub=""
cleanup() {
  [ -n "$pub" ] && kill "$pub" 2>/dev/null
  for c in os es; do delete_indices $c "$tpl-*"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
start_publisher() {
  "$B/spider-publisher" run --es-conf "$tmp/es_conf.json" --kafka-brokers "$KAFKA_BOOTSTRAP" --topics "$T.history" \
    --group "$T.group" --deadletter-topic "$T.dead" --batch-ms 300 --log-level warn \
    --amq-brokers "$STOMP_HOST:$STOMP_PORT" --amq-destination "/queue/$T" \
    --amq-username-file "$tmp/amq_username" --amq-password-file "$tmp/amq_password" 2>>"$tmp/publisher.log" &
  pub=$!
}

cycle 6
want=$(unique)
start_publisher
check "step 6: every history document in both clusters ($want)" 'wait_count os "$want" 60 && wait_count es "$want" 60'
kill "$pub"; wait "$pub" 2>/dev/null; pub=""
cycle 7
want=$(unique)
start_publisher
check "after a restart, step 7's documents too and nothing doubled ($want)" 'wait_count os "$want" 60 && wait_count es "$want" 60'
sleep 2
check "still exactly $want a moment later" '[ "$(count os)" = "$want" ] && [ "$(count es)" = "$want" ]'
hash=$("$B/spider-collector" --version | sed -n 's/.*(git \([^)]*\)).*/\1/p')   # the build's, as stamped
doc=$(curl -s "$ELASTICSEARCH_URL/$tpl-*/_search?size=1")
check "documents carry metadata.publisher_git_hash" '[[ $doc == *"\"publisher_git_hash\":\"$hash"* ]]'
check "documents keep the collector's spider_git_hash" '[[ $doc == *"\"spider_git_hash\":\"$hash"* ]]'
amq=$(/usr/bin/python3 "$(dirname "$0")/amq_notifications.py" "/queue/$T" "$want"); amq_rc=$?
sent=$(wc -l < "$tmp/docs.jsonl")   # history polls overlap: some documents are on Kafka twice
check "ActiveMQ: python3-stomp reads each of the $sent Kafka documents once, $want distinct, as MONIT notifications ($amq)" \
  '[ $amq_rc -eq 0 ] && [[ $amq == "messages=$sent distinct=$want bad=0" ]]'
[ $fail -eq 0 ] || { echo "---- publisher log"; tail -20 "$tmp/publisher.log"; }
exit $fail
