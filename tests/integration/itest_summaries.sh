#!/usr/bin/env bash
# itest_summaries.sh - changes mode keeps the dashboards' numbers (issue 16),
# on the real clusters. spider-sim's pool is polled 5 times; the collector
# writes every poll twice, to two queue topics with two index templates:
#   reference mode: the publisher reads $T.queue (every job every poll)
#                   into $T-ref-*;
#   changes mode:   the differ turns $T.cqueue into $T.changes and summary
#                   documents ($T.summary, index $T-chg-summary-*); the
#                   publisher writes them with --current ($T-chg-current).
# After every poll, on both clusters: the current-state index holds exactly
# the poll's queue (GlobalJobId and JobStatus, from a third, fault-free
# collector run writing JSON lines). At the end, for every poll slot and
# every default dimension, the clusters' aggregations (job count, sum of
# RequestCpus) over the reference-mode documents equal those over the
# summary documents (sum of Count, sum of RequestCpus), exactly. In poll 3 a
# schedd hangs mid-snapshot; the differ is killed (SIGKILL) with that
# snapshot open, the collector too, then both run again: no slot missing or
# doubled.
set -uo pipefail
. "$(dirname "$0")/clusters.sh"      # B, ROOT, tmp, check, free_port, stop_clean
T=itsm$$
ref=$T-ref
chg=$T-chg
T0=1763800000
DIMS="Status Site Tier Country CMS_JobType CMS_WMTool Type CMS_CampaignType"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  for c in os es; do delete_indices $c "$T-*"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
export PATH="$B/sim-bin:$PATH" SPIDER_SIM_SCHEDDS=4 SPIDER_SIM_JOBS=60
KP=(--kafka-brokers "$KAFKA_BOOTSTRAP")
metric() { curl -s "http://127.0.0.1:$1/metrics" | awk -v n="$2" -v l="$3" '$1 ~ "^"n && index($1, l) {s += $NF} END {printf "%d", s}'; }
q() { cluster_curl "$1" -XPOST -H 'Content-Type: application/json' "$(cluster_url "$1")/$2" -d "$3"; }

dport=$(free_port)
differ() {
  "$B/spider-differ" stream --topic-queue "$T.cqueue" --topic-changes "$T.changes" --topic-summary "$T.summary" \
    --index-template "$chg" --group "$T.differ" --emit-initial --lost-grace 0 --metrics-port "$dport" "${KP[@]}" \
    --log-level warn 2>>"$tmp/differ.log" &
  D=$!
}
publisher() {   # NAME TOPICS [FLAGS...]
  local name=$1 topics=$2
  shift 2
  "$B/spider-publisher" run --es-conf "$tmp/es_conf.json" --topics "$topics" --group "$T.$name" \
    --deadletter-topic "$T.dead" --batch-ms 200 "${KP[@]}" "$@" --log-level warn 2>>"$tmp/publisher-$name.log" &
  pids+=($!)
}
# poll K [ENV...]: the collector writes poll K to both queue topics (in the background: $c1 $c2).
poll() {
  local k=$1
  shift
  env SPIDER_SIM_STEP="$k" "$@" "$B/spider-collector" run --once --now $((T0 + k * 720)) --process-history=false \
    --index-template "$ref" --topic-queue "$T.queue" --checkpoint-file "$tmp/cp1.json" "${KP[@]}" --log-level error &
  c1=$!
  env SPIDER_SIM_STEP="$k" "$@" "$B/spider-collector" run --once --now $((T0 + k * 720)) --process-history=false \
    --index-template "$chg" --topic-queue "$T.cqueue" --checkpoint-file "$tmp/cp2.json" "${KP[@]}" --log-level error &
  c2=$!
}
# truth K: poll K's queue, as a fault-free collector converts it, in $tmp/poll-K.jsonl.
truth() {
  SPIDER_SIM_STEP=$1 "$B/spider-collector" run --once --now $((T0 + $1 * 720)) --process-history=false --output jsonl \
    --output-file "$tmp/poll-$1.jsonl" --checkpoint-file "$tmp/cp3.json" --index-template "$ref" --log-level error
  jq -r '[.GlobalJobId, (.JobStatus | tostring)] | join(" ")' "$tmp/poll-$1.jsonl" | sort > "$tmp/queue-$1"
}
# current C K: the current-state index of cluster C is poll K's queue (waits up to 90 s).
current() {
  local i
  for ((i = 0; i < 90; i++)); do
    q "$1" "$chg-current/_search" '{"size":10000,"_source":["GlobalJobId","JobStatus"]}' |
      jq -r '.hits.hits[]? | [._id, ._source.GlobalJobId, (._source.JobStatus | tostring)] | select(.[0] == .[1]) | .[1:] | join(" ")' |
      sort > "$tmp/current-$1"
    cmp -s "$tmp/current-$1" "$tmp/queue-$2" && return 0
    sleep 1
  done
  echo "  $1: $(wc -l < "$tmp/current-$1") in $chg-current, want $(wc -l < "$tmp/queue-$2"); first differences:"
  diff "$tmp/current-$1" "$tmp/queue-$2" | head -5 | sed 's/^/    /'
  return 1
}
slot_query() { echo "{\"range\":{\"RecordTime\":{\"gte\":$1,\"lte\":$1,\"format\":\"epoch_second\"}}}"; }
# aggs C INDEX SLOT DIM COUNTFIELD: "key count cpus" lines (DIM "-": the slot's total).
aggs() {
  set -- "$1" "$2" "$3" "$4" "${5:-}"
  local count=${5:+"\"n\":{\"sum\":{\"field\":\"$5\"}},"}
  if [ "$4" = - ]; then
    q "$1" "$2/_search" "{\"size\":0,\"query\":$(slot_query "$3"),\"aggs\":{$count\"c\":{\"sum\":{\"field\":\"RequestCpus\"}}}}" |
      jq -r --arg n "$5" '"total \(if $n == "" then .hits.total.value else .aggregations.n.value end | floor) \(.aggregations.c.value | floor)"'
  else
    q "$1" "$2/_search" "{\"size\":0,\"query\":$(slot_query "$3"),\"aggs\":{\"d\":{\"terms\":{\"field\":\"$4\",\"size\":10000},\"aggs\":{$count\"c\":{\"sum\":{\"field\":\"RequestCpus\"}}}}}}" |
      jq -r --arg n "$5" '.aggregations.d.buckets[] | "\(.key) \(if $n == "" then .doc_count else .n.value end | floor) \(.c.value | floor)"' | sort
  fi
}
# slot_ok C K: for slot K and every dimension, reference == summaries (waits up to 90 s for the totals).
slot_ok() {
  local s=$((T0 + $2 * 720)) i d want
  want=$(wc -l < "$tmp/poll-$2.jsonl")
  for ((i = 0; i < 90; i++)); do
    [ "$(aggs "$1" "$ref-*" $s - | cut -d' ' -f2)" = "$want" ] && [ "$(aggs "$1" "$chg-summary-*" $s - Count | cut -d' ' -f2)" = "$want" ] && break
    sleep 1
  done
  for d in - $DIMS; do
    aggs "$1" "$ref-*" $s "$d" > "$tmp/a-ref"
    aggs "$1" "$chg-summary-*" $s "$d" Count > "$tmp/a-sum"
    if ! [ -s "$tmp/a-ref" ] || ! cmp -s "$tmp/a-ref" "$tmp/a-sum"; then
      echo "  $1 slot $s by $d: reference | summaries"; diff "$tmp/a-ref" "$tmp/a-sum" | head -6 | sed 's/^/    /'
      return 1
    fi
  done
  [ "$(wc -l < "$tmp/a-ref")" -ge 1 ]
}

differ; pids+=($D)
publisher ref "$T.queue"
publisher chg "$T.changes,$T.summary" --current --index-template "$chg"
for k in 1 2; do
  poll $k; wait $c1 $c2; truth $k
  check "poll $k: OpenSearch's $chg-current is exactly the queue ($(wc -l < "$tmp/queue-$k") jobs)" "current os $k"
  check "poll $k: Elasticsearch's $chg-current is exactly the queue" "current es $k"
done

# poll 3: a schedd hangs mid-snapshot; the differ dies (SIGKILL) with its snapshot open, then the collector
hung=$("$B/spider-sim" schedds | sed -n 2p)
before=$(metric "$dport" spider_differ_snapshots_total 'result="complete"')
poll 3 "SPIDER_SIM_FAIL=$hung=hang"
for ((i = 0; i < 60; i++)); do
  [ "$(metric "$dport" spider_differ_snapshots_total 'result="complete"')" -ge $((before + SPIDER_SIM_SCHEDDS - 1)) ] && break
  sleep 0.5
done
check "poll 3: the differ completed the other schedds' snapshots, the hung one's still open" \
  '[ "$(metric "$dport" spider_differ_snapshots_total "result=\"complete\"")" = $((before + SPIDER_SIM_SCHEDDS - 1)) ] && kill -0 $c1 && kill -0 $c2'
kill -9 "$D" $c1 $c2; wait "$D" $c1 $c2 2>/dev/null
differ; pids+=($D)
poll 3; wait $c1 $c2; truth 3
check "poll 3, run again after the kills: OpenSearch's $chg-current is the queue" "current os 3"
check "poll 3: Elasticsearch's $chg-current is the queue" "current es 3"
for k in 4 5; do
  poll $k; wait $c1 $c2; truth $k
  check "poll $k: OpenSearch's $chg-current is exactly the queue ($(wc -l < "$tmp/queue-$k") jobs)" "current os $k"
  check "poll $k: Elasticsearch's $chg-current is exactly the queue" "current es $k"
done
for k in 1 2 3 4 5; do
  for c in os es; do
    check "slot $k on $c: count and sum of RequestCpus per $DIMS and in all, reference == summaries" "slot_ok $c $k"
  done
done
n=$(q os "$chg-summary-*/_count" '{}' | jq .count)
check "summary documents: $n for 5 polls of $SPIDER_SIM_SCHEDDS schedds (at least one per schedd and slot)" \
  '[ "${n:-0}" -ge $((5 * SPIDER_SIM_SCHEDDS)) ]'
check "the summary index has its mapping: Count long, RequestCpus double, Site keyword" \
  '[ "$(cluster_curl os "$OPENSEARCH_URL/$chg-summary-*/_mapping" | jq -r "[.[].mappings.properties | .Count.type, .RequestCpus.type, .Site.type] | unique | join(\",\")")" = "double,keyword,long" ]'
check "differ and publishers stop cleanly" \
  'stop_clean "${pids[-1]}" "$tmp/differ.log" && stop_clean "${pids[1]}" "$tmp/publisher-ref.log" && stop_clean "${pids[2]}" "$tmp/publisher-chg.log"'
pids=()
[ $fail -eq 0 ] || { echo "---- logs"; tail -5 "$tmp"/*.log; }
exit $fail
