#!/usr/bin/env bash
# test_metrics_cli.sh - each service, started with /metrics on a free
# loopback port and no server to talk to (the collector on spider-sim's fake
# tools writing JSON lines, the publisher and differ with Kafka on a closed
# port), exports spider_build_info with its --version git hash, the process
# metrics, and its known counters at 0 before any event, in text that
# Prometheus' own parser and linter (promtool, Debian's prometheus) accept.
set -uo pipefail
B=${SPIDER_BUILD_DIR:?}
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# scrape PORT PATTERN: /metrics into $tmp/metrics once it holds PATTERN (20 s at most).
scrape() {
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$1/metrics" > "$tmp/metrics" 2>/dev/null && grep -q -- "$2" "$tmp/metrics" && return 0
    sleep 0.2
  done
  return 1
}
# value NAME: the unlabelled sample's value.
value() { awk -v n="$1" '$1 == n { print $2 }' "$tmp/metrics"; }
# expect SVC ZERO-SAMPLE...: checks on the scrape of the running service.
expect() {
  local svc=$1; shift
  local hash; hash=$("$B/spider-$svc" --version | sed -n 's/.*(git \(.*\))$/\1/p')
  check "$svc --version names a git hash" '[ -n "$hash" ]'
  check "$svc exports spider_build_info with that hash" \
    'grep -qxF "spider_build_info{version=\"0.1.0\",git_hash=\"$hash\"} 1" "$tmp/metrics"'
  local rss fds start cpu now; rss=$(value process_resident_memory_bytes); fds=$(value process_open_fds)
  start=$(value process_start_time_seconds); cpu=$(value process_cpu_seconds_total); now=$(date +%s)
  check "$svc process metrics are plausible (rss=$rss fds=$fds start=$start cpu=$cpu)" \
    'awk -v r="$rss" -v f="$fds" -v s="$start" -v c="$cpu" -v n="$now" "BEGIN { exit !(r > 1e6 && f >= 3 && s > n - 60 && s <= n + 1 && c >= 0 && c < 60) }"'
  local lint; lint=$(promtool check metrics < "$tmp/metrics" 2>&1)
  check "$svc /metrics is read by Prometheus' own parser (promtool check metrics)${lint:+: $lint}" \
    'command -v promtool >/dev/null && [ -z "$lint" ]'
  check "$svc types process_cpu_seconds_total as a counter" 'grep -qxF "# TYPE process_cpu_seconds_total counter" "$tmp/metrics"'
  for z in "$@"; do
    check "$svc exports $z at 0" 'grep -qxF "$z 0" "$tmp/metrics"'
  done
  kill "$pid"; wait "$pid"; local rc=$?; pid=
  check "$svc stops on SIGTERM with exit 0" '[ $rc -eq 0 ]'
}

export SPIDER_SIM_SCHEDDS=2 SPIDER_SIM_JOBS=5 SPIDER_SIM_STEP=4
port=$(free_port)
"$B/spider-collector" run --source "exec:$B/sim-bin" --output jsonl --output-file "$tmp/out.jsonl" \
  --checkpoint-file "$tmp/cp.json" --interval 3600 --metrics-port "$port" > "$tmp/collector.log" 2>&1 & pid=$!
check "collector serves /metrics after its first cycle" 'scrape $port "spider_collector_cycle_seconds_count 1"'
expect collector 'spider_collector_polls_total{kind="queue",result="failed"}' \
  'spider_collector_convert_failed_total{kind="history",reason="document"}' \
  'spider_collector_oversized_documents_total{kind="queue",action="dropped"}' \
  'spider_collector_kafka_unreachable_total'

echo '[{"host": "127.0.0.1", "port": 1}]' > "$tmp/es_conf.json"
port=$(free_port)
"$B/spider-publisher" run --es-conf "$tmp/es_conf.json" --kafka-brokers 127.0.0.1:1 \
  --metrics-port "$port" > "$tmp/publisher.log" 2>&1 & pid=$!
check "publisher serves /metrics with its output declared" 'scrape $port "spider_publisher_bulk_seconds_count{"'
out=$(sed -n 's/^spider_publisher_batches_total{output="\([^"]*\)"} 0$/\1/p' "$tmp/metrics")
check "publisher names its output ($out)" '[ -n "$out" ]'
expect publisher "spider_publisher_batches_total{output=\"$out\"}" \
  "spider_publisher_documents_dead_lettered_total{output=\"$out\"}" \
  "spider_publisher_requests_retried_total{output=\"$out\",request=\"bulk\"}" \
  "spider_publisher_bulk_seconds_count{output=\"$out\"}"

port=$(free_port)
"$B/spider-differ" stream --kafka-brokers 127.0.0.1:1 --metrics-port "$port" > "$tmp/differ.log" 2>&1 & pid=$!
check "differ stream serves /metrics" 'scrape $port "spider_differ_alerts_failed_total"'
expect differ 'spider_differ_snapshots_total{result="incomplete"}' 'spider_differ_changes_total{kind="removed"}' \
  'spider_differ_alerts_total{kind="LOST_JOB"}' 'spider_differ_alerts_failed_total'
exit $fail
