#!/usr/bin/env bash
# itest_demo_summary.sh - the summary `make demo` prints (deploy/summary.sh)
# on a small run of the whole pipeline (issue 13, case 5): spider-sim's pool
# polled twice by the collector (queue and history), the differ making
# changes (--emit-initial), the publisher writing both clusters. Once the
# publisher caught up, the summary says ok for each cluster and source,
# its figures equal to the topics' distinct ids; after 3 history documents
# are deleted from Elasticsearch it says MISMATCH for exactly that line,
# naming the 3 missing, and exits 1.
set -uo pipefail
. "$(dirname "$0")/clusters.sh"      # B, ROOT, tmp, check, count, wait_count
T=itsum$$
tpl=$T
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  for c in os es; do delete_indices $c "$tpl-*"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
metric() { curl -s "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 ~ "^"n"({|$)" {s += $NF} END {printf "%d", s}'; }
export PATH="$B/sim-bin:$PATH" SPIDER_SIM_SCHEDDS=3 SPIDER_SIM_JOBS=20
"$B/spider-differ" stream --topic-queue "$T.queue" --topic-changes "$T.changes" --topic-history "$T.history" \
  --group "$T.differ" --emit-initial --kafka-brokers "$KAFKA_BOOTSTRAP" --log-level warn 2>"$tmp/differ.log" &
pids+=($!)
pport=$(free_port)
"$B/spider-publisher" run --es-conf "$tmp/es_conf.json" --kafka-brokers "$KAFKA_BOOTSTRAP" \
  --topics "$T.changes,$T.history" --group "$T.publisher" --deadletter-topic "$T.dead" --batch-ms 300 \
  --metrics-port "$pport" --log-level warn 2>"$tmp/publisher.log" &
pids+=($!)
for step in 3 4; do
  SPIDER_SIM_STEP=$step "$B/spider-collector" run --once --now $((1763800000 + step * 720)) --index-template "$tpl" \
    --topic-queue "$T.queue" --topic-history "$T.history" --checkpoint-file "$tmp/cp.json" \
    --kafka-brokers "$KAFKA_BOOTSTRAP" --log-level error || echo "collector poll $step failed"
done
# Caught up: the differ emitted both polls' changes and the publisher's lag is 0 with nothing in flight.
for ((i = 0; i < 120; i++)); do
  sleep 1
  [ "$(metric "$pport" spider_publisher_documents_indexed_total)" -gt 0 ] &&
    [ "$(metric "$pport" spider_publisher_consumer_lag)" = 0 ] && [ "$(metric "$pport" spider_publisher_stalled_seconds)" = 0 ] &&
    [ $i -ge 15 ] && break
done
SPIDER_BUILD_DIR=$B "$ROOT/deploy/summary.sh" "$tmp/es_conf.json" "$tpl-*" "$T.changes" "$T.history" > "$tmp/sum1"; rc1=$?
cat "$tmp/sum1"
check "caught up: the summary says ok on all 4 lines and exits 0" '[ $rc1 = 0 ] && [ "$(grep -c " ok$" "$tmp/sum1")" = 4 ]'
nh=$(awk '$2 == "history" {print $3; exit}' "$tmp/sum1"); nc=$(awk '$2 == "changes" {print $3; exit}' "$tmp/sum1")
check "figures: $nc changes, $nh history documents, neither 0" '[ "${nc:-0}" -gt 0 ] && [ "${nh:-0}" -gt 0 ]'
for c in os es; do
  check "$c holds the $nc + $nh documents" '[ "$(count $c)" = $((nc + nh)) ]'
done
ids=$(curl -s "$ELASTICSEARCH_URL/$tpl-*/_search?size=3&q=metadata.spider_source:condor_history&_source=false" | jq -r '.hits.hits[] | ._index + " " + ._id')
while read -r index id; do
  curl -s -XDELETE "$ELASTICSEARCH_URL/$index/_doc/$(jq -rn --arg v "$id" '$v | @uri')?refresh=true" >/dev/null
done <<<"$ids"
SPIDER_BUILD_DIR=$B "$ROOT/deploy/summary.sh" "$tmp/es_conf.json" "$tpl-*" "$T.changes" "$T.history" > "$tmp/sum2"; rc2=$?
cat "$tmp/sum2"
check "3 history documents deleted from Elasticsearch: exit 1, MISMATCH on that line only" \
  '[ $rc2 = 1 ] && [ "$(grep -c MISMATCH "$tmp/sum2")" = 1 ] && grep "$ES_NAME" "$tmp/sum2" | grep history | grep -q "MISMATCH: 3 produced but not indexed"'
check "differ and publisher stop cleanly (exit 0, no sanitizer report)" \
  'stop_clean "${pids[0]}" "$tmp/differ.log" && stop_clean "${pids[1]}" "$tmp/publisher.log"'
pids=()
[ $fail -eq 0 ] || { echo "---- logs"; tail -5 "$tmp/publisher.log" "$tmp/differ.log"; }
exit $fail
