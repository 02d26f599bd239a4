#!/usr/bin/env bash
# latency.sh BUILD - end-to-end latency: from the collector's poll that saw a
# job change to that job's document being searchable, in each cluster of the
# local stack (Elasticsearch direct, OpenSearch behind nginx).
# The pipeline is the one operators run, with default batching:
#   spider-collector run --once (exec source, spider-sim's fake tools)
#   -> Kafka -> spider-differ stream -> Kafka -> spider-publisher -> both clusters.
# Step 1 of spider-sim loads the pool (every job ADDED); then step 2 changes
# jobs at known times (`spider-sim changes SCHEDD 2` lists them). For each
# schedd, the reference time is the end of its queue poll in step 2 (the
# collector's poll.done log line: the snapshot that saw the change is
# complete). A sampler asks each cluster every ~0.25 s how many queue
# documents of that schedd converted in step 2 are searchable (a _search
# aggregation by ScheddName over metadata.spider_runtime >= the step's start;
# only changed jobs get new documents: the differ emits only changes). The
# k-th document of a schedd became searchable at the first sample that
# counted k, so the counts give every changed job's latency (to ~0.25 s).
# Prints p50/p99/max per cluster. Sizes: SCHEDDS (70) x JOBS (5000).
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
set -a; . "$ROOT/deploy/local/stack.env"; set +a
. "$ROOT/deploy/local/clusters.sh"
for s in kafka elasticsearch opensearch nginx; do
  "$ROOT/deploy/local/stack.sh" check "$s" >/dev/null 2>&1 || "$ROOT/deploy/local/stack.sh" up "$s" >&2
done
SCHEDDS=${SCHEDDS:-70} JOBS=${JOBS:-5000} T0=1763800000 WORKERS=${WORKERS:-4}
export PATH="$BUILD/sim-bin:$PATH" SPIDER_SIM_SCHEDDS=$SCHEDDS SPIDER_SIM_JOBS=$JOBS
T=bench-latency-$$-$(date +%s)
tpl=$T
tmp=$(mktemp -d)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for c in os es; do delete_indices $c "$tpl-*"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
write_es_conf "$tmp"

"$BUILD/spider-differ" stream --topic-queue "$T.queue" --topic-changes "$T.changes" \
  --group "$T.differ" --emit-initial --kafka-brokers "$KAFKA_BOOTSTRAP" --log-level warn 2>"$tmp/differ.log" &
pids+=($!)
"$BUILD/spider-publisher" run --es-conf "$tmp/es_conf.json" --topics "$T.changes,$T.history" --group "$T.publisher" \
  --index-template "$tpl" --kafka-brokers "$KAFKA_BOOTSTRAP" --log-level warn 2>"$tmp/publisher.log" &
pids+=($!)

# poll K: one collector cycle of step K; its log in $tmp/collector-K.log.
poll() {
  SPIDER_SIM_STEP=$1 "$BUILD/spider-collector" run --once --now $((T0 + $1 * 720)) --workers "$WORKERS" \
    --checkpoint-file "$tmp/checkpoint.json" --index-template "$tpl" --topic-queue "$T.queue" \
    --topic-history "$T.history" --kafka-brokers "$KAFKA_BOOTSTRAP" --log-level info 2>"$tmp/collector-$1.log"
}
# counts CLUSTER SINCE_MS: "schedd count" of the queue documents converted since SINCE_MS
counts() {
  cluster_curl "$1" -H 'Content-Type: application/json' "$(cluster_url "$1")/$tpl-*/_search" -d "{\"size\":0,
    \"query\":{\"bool\":{\"filter\":[{\"range\":{\"metadata.spider_runtime\":{\"gte\":$2}}},
    {\"term\":{\"metadata.spider_source\":\"condor_queue\"}}]}},
    \"aggs\":{\"s\":{\"terms\":{\"field\":\"ScheddName\",\"size\":10000}}}}" 2>/dev/null |
    jq -r '.aggregations.s.buckets[] | "\(.key) \(.doc_count)"' 2>/dev/null || true
}
total() { counts "$1" "$2" | awk '{ n += $2 } END { print n + 0 }'; }

# Step 1: the whole pool, every job ADDED; wait until both clusters have it.
t=$(date +%s.%N)
poll 1
want1=$(awk '/event=poll.done/ && /kind=queue/ { for (i = 1; i <= NF; i++) if ($i ~ /^documents=/) n += substr($i, 11) } END { print n }' "$tmp/collector-1.log")
for c in os es; do
  for ((i = 0; i < 1200; i++)); do [ "$(total $c 0)" -ge "$want1" ] && break; sleep 0.5; done
done
load=$(echo "$(date +%s.%N) - $t" | bc)

# Step 2: the changes. The sampler runs from before the poll until every
# schedd's count has stopped growing for 15 s (or 600 s in all).
sleep 1
since=$(( $(date +%s) * 1000 ))
for s in $("$BUILD/spider-sim" --schedds "$SCHEDDS" --jobs "$JOBS" schedds); do
  "$BUILD/spider-sim" --schedds "$SCHEDDS" --jobs "$JOBS" changes "$s" 2 | awk -v s="$s" '$1 != "REMOVED" { n++ } END { print s, n + 0 }'
done > "$tmp/want"
want2=$(awk '{ n += $2 } END { print n }' "$tmp/want")
(
  last_change=$(date +%s); prev=-1
  while :; do
    now=$(date +%s.%N)
    for c in os es; do counts $c "$since" | sed "s/^/$now $c /"; done > "$tmp/tick"
    cat "$tmp/tick" >> "$tmp/samples"
    cur=$(awk '{ n += $4 } END { print n + 0 }' "$tmp/tick")
    [ "$cur" != "$prev" ] && last_change=${now%.*} && prev=$cur
    [ -f "$tmp/polled" ] && [ $(( ${now%.*} - last_change )) -ge 15 ] && break
    [ $(( ${now%.*} - since / 1000 )) -ge 900 ] && break
    sleep 0.2
  done
) &
sampler=$!
touch "$tmp/samples"
poll 2
touch "$tmp/polled"
wait $sampler

# The end of each schedd's queue poll in step 2, as epoch seconds.
awk '/event=poll.done/ && /kind=queue/ { for (i = 1; i <= NF; i++) if ($i ~ /^schedd=/) print $1, substr($i, 8) }' \
  "$tmp/collector-2.log" | while read -r ts s; do echo "$s $(date -d "$ts" +%s.%N)"; done > "$tmp/done"
cycle=$(awk '/event=cycle.done/ { for (i = 1; i <= NF; i++) if ($i ~ /^seconds=/) print substr($i, 9) }' "$tmp/collector-2.log")

printf 'latency: %d schedds x %d jobs; step 1 loaded %d queue documents into both clusters in %.0f s;\n' \
  "$SCHEDDS" "$JOBS" "$want1" "$load"
printf '  step 2: %d jobs changed or added (spider-sim changes), collector cycle %.1f s (%d workers)\n' \
  "$want2" "$cycle" "$WORKERS"
printf '  %-44s %7s %7s %7s %7s %9s\n' "from the end of the schedd's queue poll to searchable" p50 p99 max docs "of wanted"
for c in es os; do
  # Every sample's count of each schedd, in time order: the k-th document of
  # schedd s appeared at the first sample counting >= k.
  awk -v c=$c 'FILENAME ~ /done$/ { done[$1] = $2; next }
               FILENAME ~ /want$/ { want[$1] = $2; next }
               $2 == c { if ($4 > seen[$3]) { for (k = seen[$3] + 1; k <= $4; k++) print $1 - done[$3]; seen[$3] = $4 } }' \
    "$tmp/done" "$tmp/want" "$tmp/samples" | sort -g > "$tmp/lat.$c"
  n=$(wc -l < "$tmp/lat.$c")
  awk -v c=$c -v n="$n" -v w="$want2" '{ v[NR] = $1 } END {
    name = c == "es" ? "Elasticsearch (9200)" : "OpenSearch (nginx /es, TLS)"
    p50 = n ? v[int(n * 0.50 + 0.999)] : 0; p99 = n ? v[int(n * 0.99 + 0.999)] : 0; mx = n ? v[n] : 0
    printf "  %-44s %6.2fs %6.2fs %6.2fs %7d %8.1f%%\n", name, p50, p99, mx, n, w ? 100 * n / w : 0 }' "$tmp/lat.$c"
done
echo "  target: p99 <= 5 s after the poll"
