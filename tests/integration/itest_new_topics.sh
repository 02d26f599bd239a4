#!/usr/bin/env bash
# itest_new_topics.sh - new topics in seconds (issue 13, case 5), and /readyz
# of the differ and the collector, on the real stack:
#   - a publisher subscribed to a topic that exists and one that does not
#     yet: documents written to the second after its creation (kcat, broker
#     auto-creation) reach Elasticsearch within 10 s (34.5 s without the
#     metadata requests of lib/kafka.c, measured; librdkafka's own refresh
#     comes after 5 minutes);
#   - a differ subscribed to a queue topic that does not exist yet: the
#     collector's first poll creates it, and the differ's changes (every job
#     ADDED, --emit-initial) are on the changes topic within 10 s (librdkafka
#     finds a group's only topic by itself; this holds the bound);
#   - /readyz and /healthz 200 for the three services while they run; the
#     differ's /readyz 503 naming the brokers when Kafka is unreachable.
set -uo pipefail
. "$(dirname "$0")/clusters.sh"      # B, ROOT, tmp, check, count, wait_count
T=itnew$$
tpl=$T
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  delete_indices es "$tpl-*"
  rm -rf "$tmp"
}
trap cleanup EXIT
K=(-b "$KAFKA_BOOTSTRAP")
code() { curl -s -o "$tmp/body" -w '%{http_code}' "http://127.0.0.1:$1$2"; }
now_ms() { date +%s%3N; }
es_hostport=${ELASTICSEARCH_URL#http://}
echo "[{\"host\": \"${es_hostport%:*}\", \"port\": ${es_hostport##*:}, \"scheme\": \"http\"}]" > "$tmp/es_only.json"

# 1. The publisher.
"$B/spider-testrecords" "$tmp" "$tpl" || exit 1
kcat -P "${K[@]}" -t "$T.exists" -k "$(cat "$tmp/good-01.key")" "$tmp/good-01.pb"
pport=$(free_port)
"$B/spider-publisher" run --es-conf "$tmp/es_only.json" --kafka-brokers "$KAFKA_BOOTSTRAP" \
  --topics "$T.exists,$T.late" --group "$T.group" --deadletter-topic "$T.dead" --batch-ms 200 \
  --metrics-port "$pport" --log-level warn 2>"$tmp/publisher.log" &
pids+=($!)
check "the existing topic's document arrives" 'wait_count es 1 60'
sleep 4
t0=$(now_ms)
for i in 02 03 04 05; do kcat -P "${K[@]}" -t "$T.late" -k "$(cat "$tmp/good-$i.key")" "$tmp/good-$i.pb"; done
wait_count es 5 30; took=$(( $(now_ms) - t0 ))
check "a topic created after the publisher started is read within 10 s ($took ms)" '[ "$(count es)" = 5 ] && [ $took -le 10000 ]'
check "publisher /readyz and /healthz 200" '[ "$(code "$pport" /readyz)" = 200 ] && [ "$(code "$pport" /healthz)" = 200 ]'

# 2. The differ, then the collector creating its topics.
export PATH="$B/sim-bin:$PATH" SPIDER_SIM_SCHEDDS=2 SPIDER_SIM_JOBS=10 SPIDER_SIM_STEP=1
dport=$(free_port)
"$B/spider-differ" stream --topic-queue "$T.queue" --topic-changes "$T.changes" --topic-history "$T.history" \
  --group "$T.differ" --emit-initial --kafka-brokers "$KAFKA_BOOTSTRAP" --metrics-port "$dport" \
  --log-level warn 2>"$tmp/differ.log" &
pids+=($!)
sleep 5
cport=$(free_port)
"$B/spider-collector" run --interval 3600 --index-template "$tpl" --topic-queue "$T.queue" --topic-history "$T.history" \
  --checkpoint-file "$tmp/cp.json" --kafka-brokers "$KAFKA_BOOTSTRAP" --metrics-port "$cport" \
  --log-level warn 2>"$tmp/collector.log" &
pids+=($!)
for ((i = 0; i < 120; i++)); do [ "$(code "$cport" /healthz)" = 200 ] && break; sleep 0.25; done
# every record of the snapshots: on a loaded machine the first cycle may come
# late, so read until two reads a second apart agree on a count above 0
jobs=0 last=-1
for ((i = 0; i < 60 && (jobs == 0 || jobs != last); i++)); do
  last=$jobs
  sleep 1
  jobs=$(kcat -C "${K[@]}" -t "$T.queue" -e -q -f '%k\n' 2>/dev/null | wc -l)
done
t0=$(now_ms)
check "the collector's first cycle wrote the queue topic ($jobs records)" '[ "$jobs" -gt 4 ]'
n=0
for ((i = 0; i < 60; i++)); do
  n=$(kcat -C "${K[@]}" -t "$T.changes" -e -q -f '%k\n' 2>/dev/null | wc -l)
  [ "$n" -ge $((jobs - 4)) ] && [ "$n" -gt 0 ] && break
  sleep 0.5
done
took=$(( $(now_ms) - t0 ))
check "a queue topic created after the differ started: $n changes for $((jobs - 4)) jobs within 10 s ($took ms)" \
  '[ "$n" = $((jobs - 4)) ] && [ $took -le 10000 ]'
check "differ /readyz and /healthz 200" '[ "$(code "$dport" /readyz)" = 200 ] && [ "$(code "$dport" /healthz)" = 200 ]'
check "collector /readyz and /healthz 200 after its first cycle" '[ "$(code "$cport" /readyz)" = 200 ] && [ "$(code "$cport" /healthz)" = 200 ]'

# 3. The differ with Kafka unreachable.
kport=$(free_port); d2=$(free_port)
"$B/spider-differ" stream --topic-queue "$T.queue" --topic-changes "$T.changes2" --topic-history "$T.history" \
  --group "$T.differ2" --kafka-brokers "127.0.0.1:$kport" --metrics-port "$d2" --log-level error 2>/dev/null &
pids+=($!)
for ((i = 0; i < 40; i++)); do c=$(code "$d2" /readyz); grep -q "kafka unreachable" "$tmp/body" && break; sleep 0.5; done
check "differ, Kafka unreachable: /readyz $c naming the brokers ($(cat "$tmp/body")), /healthz 200" \
  '[ "$c" = 503 ] && grep -q "127.0.0.1:$kport" "$tmp/body" && [ "$(code "$d2" /healthz)" = 200 ]'
check "publisher, differ and collector stop cleanly (exit 0, no sanitizer report)" \
  'stop_clean "${pids[0]}" "$tmp/publisher.log" && stop_clean "${pids[1]}" "$tmp/differ.log" && stop_clean "${pids[2]}" "$tmp/collector.log"'
pids=("${pids[3]}")
[ $fail -eq 0 ] || { echo "---- logs"; tail -5 "$tmp/publisher.log" "$tmp/differ.log" "$tmp/collector.log"; }
exit $fail
