#!/usr/bin/env bash
# itest_publish_recovery.sh - spider-publisher through the failures of the
# design's reliability targets, against the real stack, while the
# collector keeps producing spider-sim history to Kafka:
#   - two publisher instances share the partitions (one consumer group per
#     output, instances as its members);
#   - Elasticsearch is stopped mid-stream: OpenSearch and ActiveMQ keep
#     going; once it is back it catches up from Kafka;
#   - one instance is killed with SIGKILL mid-stream and started again;
#   - ActiveMQ is restarted mid-stream: nothing is lost;
#   - at the end both clusters hold exactly the documents produced (no loss,
#     no double) and python3-stomp reads every one from ActiveMQ;
#   - purge --git-hash empties both clusters and replay --cluster --from
#     brings every document back.
set -uo pipefail
. "$(dirname "$0")/clusters.sh"      # B, ROOT, tmp, the helpers
T=itrec$$
tpl=$T
export PATH="$B/sim-bin:$PATH" SPIDER_SIM_SCHEDDS=4 SPIDER_SIM_JOBS=40
A="" B2=""
cleanup() {
  for p in $A $B2; do kill -9 "$p" 2>/dev/null; done
  "$ROOT/deploy/local/stack.sh" up elasticsearch activemq >/dev/null 2>&1   # leave the stack whole
  for c in os es; do delete_indices $c "$tpl-*"; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# start VAR: one publisher instance in the background, its pid in VAR.
start() {
  "$B/spider-publisher" run --es-conf "$tmp/es_conf.json" --kafka-brokers "$KAFKA_BOOTSTRAP" --topics "$T.history" \
    --group "$T.group" --deadletter-topic "$T.dead" --batch-docs 10 --batch-ms 200 --log-level warn \
    --kafka-property session.timeout.ms=6000 --kafka-property heartbeat.interval.ms=1000 \
    --amq-brokers "$STOMP_HOST:$STOMP_PORT" --amq-destination "/queue/$T" --amq-timeout-ms 5000 \
    --amq-username-file "$tmp/amq_username" --amq-password-file "$tmp/amq_password" 2>>"$tmp/publisher-$1.log" &
  printf -v "$1" %s $!
}
stack() { "$ROOT/deploy/local/stack.sh" "$@" >>"$tmp/stack.log" 2>&1; }

t0=$(($(date +%s) - 1))
cycle 1
start A
start B2
cycle 2
want=$(unique)
check "two instances: every document in OpenSearch ($want)" 'wait_count os "$want"'
check "two instances: every document in Elasticsearch ($want)" 'wait_count es "$want"'

stack down elasticsearch
cycle 3
kill -9 "$A"; wait "$A" 2>/dev/null     # mid-stream: batches of 10, 200 ms
cycle 4
start A
want=$(unique)
check "Elasticsearch down, an instance killed: OpenSearch has every document ($want)" 'wait_count os "$want"'
check "Elasticsearch down: nothing reached it" '[ -z "$(count es)" ]'

stack down activemq
cycle 5
stack up activemq
cycle 6
want=$(unique)
check "ActiveMQ restarted: OpenSearch still has every document ($want)" 'wait_count os "$want"'
stack up elasticsearch
check "Elasticsearch back: it caught up from Kafka, exactly ($want)" 'wait_count es "$want" 180'
sleep 2
check "a moment later: still exactly $want in both (nothing doubled)" '[ "$(count os)" = "$want" ] && [ "$(count es)" = "$want" ]'
amq=$(/usr/bin/python3 "$(dirname "$0")/amq_notifications.py" "/queue/$T" "$want"); amq_rc=$?
check "ActiveMQ, restarted mid-stream: every one of the $want documents read back ($amq)" '[ $amq_rc -eq 0 ]'

kill "$A" "$B2"; wait "$A" "$B2" 2>/dev/null; A="" B2=""
hash=$("$B/spider-collector" --version | sed -n 's/.*(git \([^)]*\)).*/\1/p')   # what the documents carry
"$B/spider-publisher" purge --es-conf "$tmp/es_conf.json" --git-hash "$hash" --index-template "$tpl" \
  --log-level warn >"$tmp/purge.out" 2>&1
cluster_curl os -XPOST "$(cluster_url os)/$tpl-*/_refresh" >/dev/null
cluster_curl es -XPOST "$(cluster_url es)/$tpl-*/_refresh" >/dev/null
check "purge --git-hash emptied both clusters ($(tr '\n' ' ' <"$tmp/purge.out"))" '[ "$(count os)" = 0 ] && [ "$(count es)" = 0 ]'
for name in "$OS_NAME" "$ES_NAME"; do
  "$B/spider-publisher" replay --es-conf "$tmp/es_conf.json" --kafka-brokers "$KAFKA_BOOTSTRAP" --topics "$T.history" \
    --group "$T.group" --cluster "$name" --from "$t0" --log-level warn >>"$tmp/replay.out" 2>&1
done
check "replay rewound both clusters' groups ($(tr '\n' ' ' <"$tmp/replay.out"))" '[ "$(grep -c "rewound" "$tmp/replay.out")" = 2 ]'
start A
check "after replay: every document back in OpenSearch ($want)" 'wait_count os "$want"'
check "after replay: every document back in Elasticsearch ($want)" 'wait_count es "$want"'

if [ $fail -ne 0 ]; then
  for f in "$tmp"/publisher-*.log "$tmp/stack.log"; do echo "---- $f"; tail -15 "$f"; done
fi
exit $fail
