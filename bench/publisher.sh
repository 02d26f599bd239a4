#!/usr/bin/env bash
# publisher.sh BUILD - spider-publisher into the local OpenSearch (behind
# nginx /es: TLS and basic auth, as production) against a plain bulk load of
# the same documents in the same run, and its peak RSS with a backlog.
#
#   1. One collector cycle of spider-sim queue snapshots (SCHEDDS x JOBS,
#      default 40 x 5,000 = 200,000 documents) to a fresh Kafka topic.
#   2. Baseline: bench-bulkfiles writes the _bulk bodies the publisher would
#      send for them (same JSON, same 1,000-document batches) under another
#      index prefix; curl posts them one after the other (one bulk in
#      flight, as one publisher lane) into indices created with the same
#      mapping. Timed from the first post to the last answer.
#   3. spider-publisher run on the topic: timed from its start until its
#      indexed-documents counter (/metrics) reaches the count.
#   4. More cycles until the topic holds BACKLOG documents (default
#      1,000,000); a fresh publisher group starts on that backlog and runs
#      BACKLOG_SECONDS (default 60); its peak RSS (VmHWM) is reported with
#      the peak of step 3's run (a 200,000-document backlog).
# Target: publisher/baseline >= 0.9; RSS bounded whatever the backlog.
# Starts the stack's Kafka, OpenSearch and nginx when they are down.
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
set -a; . "$ROOT/deploy/local/stack.env"; set +a
"$ROOT/deploy/local/stack.sh" check >/dev/null 2>&1 || "$ROOT/deploy/local/stack.sh" up kafka opensearch nginx >&2
SCHEDDS=${SCHEDDS:-40} JOBS=${JOBS:-5000} BACKLOG=${BACKLOG:-1000000} BACKLOG_SECONDS=${BACKLOG_SECONDS:-60}
export PATH="$BUILD/sim-bin:$PATH" SPIDER_SIM_SCHEDDS=$SCHEDDS SPIDER_SIM_JOBS=$JOBS
work=$(mktemp -d)
id=$$.$(date +%s)
topic=bench.publisher.$id pub=benchpub$$ base=benchbase$$ pid=""
os() { curl -sS --cacert "$OPENSEARCH_CA" -u "$OPENSEARCH_USER:$OPENSEARCH_PASSWORD" "$@"; }
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  os -XDELETE "$OPENSEARCH_URL/$pub-*,$base-*" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
printf '[{"host": "%s", "username": "%s", "password": "%s", "ca": "%s"}]\n' "${OPENSEARCH_URL#https://}" \
  "$OPENSEARCH_USER" "$OPENSEARCH_PASSWORD" "$OPENSEARCH_CA" > "$work/es_conf.json"
now() { date +%s.%N; }
produced=0
cycle() { # k: one queue cycle, as if polled at step k
  "$BUILD/spider-collector" run --once --now $((1763800000 + $1 * 720)) --process-history=false --workers 4 \
    --index-template "$pub" --topic-queue "$topic" --kafka-brokers "$KAFKA_BOOTSTRAP" \
    --checkpoint-file "$work/cp.json" --log-level warn 2>>"$work/collector.log"
}
indexed() { # metrics port -> documents the publisher had acknowledged
  curl -s "http://127.0.0.1:$1/metrics" | awk '/^spider_publisher_documents_indexed_total/ {s += $2} END {print s + 0}'
}
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start_publisher() { # group port
  "$BUILD/spider-publisher" run --es-conf "$work/es_conf.json" --kafka-brokers "$KAFKA_BOOTSTRAP" --topics "$topic" \
    --group "$1" --metrics-port "$2" --log-level warn 2>>"$work/publisher.log" &
  pid=$!
}

cycle 1
mkdir "$work/bulk"
n=$("$BUILD/bench-bulkfiles" "$KAFKA_BOOTSTRAP" "$topic" "$pub" "$base" "$work/bulk" 1000)
while read -r index; do
  os -XPUT "$OPENSEARCH_URL/$index" -H 'Content-Type: application/json' --data-binary @"$work/bulk/mapping.json" >/dev/null
done < "$work/bulk/indices"
t0=$(now)
for f in "$work"/bulk/bulk-*.ndjson; do
  os -XPOST "$OPENSEARCH_URL/_bulk" -H 'Content-Type: application/x-ndjson' --data-binary @"$f" -o "$work/resp"
  grep -q '"errors":false' "$work/resp" || { echo "baseline bulk failed: $(head -c 300 "$work/resp")" >&2; exit 1; }
done
t1=$(now)

port=$(free_port)
t2=$(now)
start_publisher "bench.$id" "$port"
while [ "$(indexed "$port")" -lt "$n" ]; do
  kill -0 "$pid" 2>/dev/null || { tail "$work/publisher.log" >&2; exit 1; }
  sleep 0.2
done
t3=$(now)
hwm_small=$(hwm_kb "$pid")
kill "$pid"; wait "$pid" || true; pid=""
os -XPOST "$OPENSEARCH_URL/$pub-*,$base-*/_refresh" >/dev/null
count() { os "$OPENSEARCH_URL/$1-*/_count" | sed -n 's/.*"count":\([0-9]*\).*/\1/p'; }
[ "$(count "$pub")" = "$n" ] && [ "$(count "$base")" = "$n" ] ||
  { echo "counts differ: publisher $(count "$pub"), baseline $(count "$base"), want $n" >&2; exit 1; }

total=$n k=2
while [ "$total" -lt "$BACKLOG" ]; do cycle $k; total=$((total + n)); k=$((k + 1)); done
port=$(free_port)
start_publisher "bench.$id.backlog" "$port"
sleep "$BACKLOG_SECONDS"
hwm_big=$(hwm_kb "$pid")
done_big=$(indexed "$port")
kill "$pid"; wait "$pid" || true; pid=""

awk -v n="$n" -v b="$(echo "$t1 - $t0" | bc)" -v p="$(echo "$t3 - $t2" | bc)" -v hs="$hwm_small" \
    -v hb="$hwm_big" -v backlog="$total" -v secs="$BACKLOG_SECONDS" -v db="$done_big" 'BEGIN {
  printf "publisher: %d documents into OpenSearch (nginx /es, TLS, basic auth), 2 cores\n", n
  printf "  plain bulk load of pre-built _bulk files (baseline): %7.1f s  %7.0f docs/s\n", b, n / b
  printf "  spider-publisher from Kafka:                         %7.1f s  %7.0f docs/s  (%.2fx the baseline; target >= 0.9: %s)\n", p, n / p, b / p, (b / p >= 0.9 ? "met" : "NOT met")
  printf "  peak RSS: %.1f MiB with a %d-document backlog, %.1f MiB with %d (%d indexed in %d s)\n", hs / 1024, n, hb / 1024, backlog, db, secs
}'
