#!/usr/bin/env bash
# demo.sh - `make demo`: the whole pipeline on this machine, for real.
#
# Starts the local stack (Kafka, ActiveMQ, OpenSearch behind nginx /es,
# Elasticsearch), a spider-sim pool that evolves with the clock (default 20
# schedds x 2,000 jobs, one step per DEMO_INTERVAL seconds), and the three
# services as daemons:
#   spider-collector  polls the pool (exec of the fake condor_q/condor_history)
#                     -> demo.<run>.queue, demo.<run>.history
#   spider-differ     demo.<run>.queue -> demo.<run>.changes (first snapshot: every job ADDED);
#                     lost-job alerts (grace: two polls) to ActiveMQ /topic/spider.alerts
#   spider-publisher  changes + history -> both clusters (indices demo-YYYY-MM-DD)
#                     and ActiveMQ (/topic/spider.demo.jobs)
# then prints a line per poll cycle for DEMO_CYCLES cycles and a summary,
# which compares per cluster and per source (queue changes, history) what
# was indexed with what the collector and the differ produced
# (deploy/summary.sh, tested by integration.demo_summary).
# The collector is stopped while the summary is taken (so the topics hold
# still), then started again; the exit status is 1 when the summary found
# a mismatch. The daemons keep running afterwards; `demo.sh down` (make
# demo-down) stops them and the stack. Running it again starts a fresh run.
#
# Settings (environment): DEMO_SCHEDDS=20 DEMO_JOBS=2000 DEMO_INTERVAL=30
# DEMO_CYCLES=3 DEMO_DIR=/var/tmp/spider-demo; metrics on 127.0.0.1 at the
# ports of deploy/local/stack.env (9701 collector, 9702 differ, 9703 publisher).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
B=$ROOT/build
DIR=${DEMO_DIR:-/var/tmp/spider-demo}
SCHEDDS=${DEMO_SCHEDDS:-20} JOBS=${DEMO_JOBS:-2000} INTERVAL=${DEMO_INTERVAL:-30} CYCLES=${DEMO_CYCLES:-3}
set -a; . deploy/local/stack.env; set +a          # endpoints, and the services' metrics ports
PORTS=("$COLLECTOR_METRICS_PORT" "$DIFFER_METRICS_PORT" "$PUBLISHER_METRICS_PORT")

# stop_pidfile FILE: stops the daemon of a pid file (SIGTERM, then SIGKILL
# after 15 s) and removes the file.
stop_pidfile() {
  local pid i
  [ -f "$1" ] || return 0
  pid=$(cat "$1")
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$1"
}
# Stops the demo's daemons.
stop_services() {
  local f
  for f in "$DIR"/*.pid; do stop_pidfile "$f"; done
}

if [ "${1:-}" = down ]; then
  stop_services
  exec deploy/local/stack.sh down
fi

stop_services                                   # a demo still running from before
deploy/local/stack.sh up
. deploy/local/clusters.sh

run=$(date +%s)
work=$DIR/$run
mkdir -p "$work"
write_es_conf "$work"
printf '%s\n' "$STOMP_USER" > "$work/amq_username"
printf '%s\n' "$STOMP_PASSWORD" > "$work/amq_password"
for c in os es; do delete_indices "$c" "demo-*"; done
topics="demo.$run"
export PATH="$B/sim-bin:$PATH" SPIDER_SIM_SCHEDDS=$SCHEDDS SPIDER_SIM_JOBS=$JOBS \
       SPIDER_SIM_T0=$run SPIDER_SIM_INTERVAL=$INTERVAL SPIDER_SIM_STEP=clock

# start NAME ARGS...: one daemon, its log in $work/NAME.log, its pid in $DIR/NAME.pid
start() {
  local name=$1; shift
  "$@" --log-level warn >>"$work/$name.log" 2>&1 &
  echo $! > "$DIR/$name.pid"
}
start_collector() {
  start collector "$B/spider-collector" run --interval "$INTERVAL" --history-offset $((INTERVAL / 3)) \
    --index-template demo --topic-queue "$topics.queue" --topic-history "$topics.history" \
    --checkpoint-file "$work/checkpoint.json" --kafka-brokers "$KAFKA_BOOTSTRAP" --metrics-port "${PORTS[0]}"
}
start_collector
start differ "$B/spider-differ" stream --topic-queue "$topics.queue" --topic-changes "$topics.changes" \
  --topic-history "$topics.history" --lost-grace $((2 * INTERVAL)) --amq-brokers "$STOMP_HOST:$STOMP_PORT" \
  --amq-username-file "$work/amq_username" --amq-password-file "$work/amq_password" \
  --group "$topics.differ" --emit-initial --kafka-brokers "$KAFKA_BOOTSTRAP" --metrics-port "${PORTS[1]}"
start publisher "$B/spider-publisher" run --es-conf "$work/es_conf.json" --topics "$topics.changes,$topics.history" \
  --group "$topics.publisher" --deadletter-topic "$topics.deadletter" --kafka-brokers "$KAFKA_BOOTSTRAP" \
  --amq-brokers "$STOMP_HOST:$STOMP_PORT" --amq-destination /topic/spider.demo.jobs \
  --amq-username-file "$work/amq_username" --amq-password-file "$work/amq_password" --metrics-port "${PORTS[2]}"

# metric PORT NAME [LABEL-TEXT]: the sum of a metric's series (those whose line has LABEL-TEXT)
metric() {
  curl -s "http://127.0.0.1:$1/metrics" | awk -v n="$2" -v l="${3:-}" \
    '$1 ~ "^"n"({|$)" && index($1, l) {s += $NF} END {printf "%d", s}'
}
alive() {
  local name
  for name in collector differ publisher; do
    kill -0 "$(cat "$DIR/$name.pid")" 2>/dev/null || { echo "spider-$name stopped; its log:"; tail -20 "$work/$name.log"; return 1; }
  done
}

echo
echo "spider demo run $run: $SCHEDDS schedds x $JOBS jobs, a poll every $INTERVAL s, $CYCLES cycles (logs: $work)"
prev_changes=0
for ((k = 1; k <= CYCLES; k++)); do
  sleep "$INTERVAL"
  alive || exit 1
  q=$(metric "${PORTS[0]}" spider_collector_documents_total 'kind="queue"')
  h=$(metric "${PORTS[0]}" spider_collector_documents_total 'kind="history"')
  a=$(metric "${PORTS[1]}" spider_differ_changes_total 'kind="added"')
  ch=$(metric "${PORTS[1]}" spider_differ_changes_total 'kind="changed"')
  r=$(metric "${PORTS[1]}" spider_differ_changes_total 'kind="removed"')
  ix=$(metric "${PORTS[2]}" spider_publisher_documents_indexed_total)
  amq=$(metric "${PORTS[2]}" spider_publisher_amq_confirmed_total)
  printf 'cycle %d: collector %d queue + %d history documents | differ +%d added, %d changed, %d removed (%d this cycle) | publisher %d indexed, %d to ActiveMQ\n' \
    "$k" "$q" "$h" "$a" "$ch" "$r" $((a + ch + r - prev_changes)) "$ix" "$amq"
  prev_changes=$((a + ch + r))
done

# The summary compares topics with indices, so nothing may still be
# written to either: the collector stops (it starts again after the
# summary, from its checkpoint), then the differ and the publisher finish
# what it sent (the differ's counters unchanged for 5 s, no publisher lag).
stop_pidfile "$DIR/collector.pid"
printf 'collector stopped for the summary; waiting for the differ and the publisher to catch up'
quiet=0 last=
for ((i = 0; i < 180 && quiet < 5; i++)); do
  now="$(metric "${PORTS[1]}" spider_differ_snapshots_total) $(metric "${PORTS[1]}" spider_differ_changes_total)"
  if [ "$now" = "$last" ] && [ "$(metric "${PORTS[2]}" spider_publisher_consumer_lag)" = 0 ]; then
    quiet=$((quiet + 1))
  else
    quiet=0
  fi
  last=$now
  printf .
  sleep 1
done
[ "$quiet" -ge 5 ] || printf ' (still busy after 180 s: the summary may show a mismatch)'
echo
echo
echo "Summary"
for c in os es; do
  cluster_curl "$c" -XPOST "$(cluster_url "$c")/demo-*/_refresh" >/dev/null || true
  n=$(cluster_curl "$c" "$(cluster_url "$c")/demo-*/_count" | sed -n 's/.*"count":\([0-9]*\).*/\1/p')
  printf '  %-14s %8s documents in demo-*\n' "$([ "$c" = os ] && echo OpenSearch || echo Elasticsearch)" "${n:-?}"
done
echo
echo "Indexed against produced, per cluster and source (deploy/summary.sh):"
status=0
if SPIDER_BUILD_DIR=$B KAFKA_BOOTSTRAP=$KAFKA_BOOTSTRAP deploy/summary.sh "$work/es_conf.json" "demo-*" \
     "$topics.changes" "$topics.history"; then
  echo "  every cluster holds what the collector and the differ produced"
else
  echo "  MISMATCH: some cluster does not hold what was produced (lines above; publisher log $work/publisher.log)"
  status=1
fi
echo
printf '  %-14s %8d notifications confirmed by receipt\n' ActiveMQ "$(metric "${PORTS[2]}" spider_publisher_amq_confirmed_total)"
printf '  %-14s %8d changes in %d cycles (the first: every job ADDED), %d lost-job alerts\n' differ "$prev_changes" \
  "$CYCLES" "$(metric "${PORTS[1]}" spider_differ_alerts_total)"
index=$(cluster_curl os "$OPENSEARCH_URL/_cat/indices/demo-*?h=index" | sort | tail -1)
echo
echo "Where to look:"
echo "  index $index, for example:"
echo "  curl --cacert $OPENSEARCH_CA -u $OPENSEARCH_USER:$OPENSEARCH_PASSWORD '$OPENSEARCH_URL/$index/_search?q=Status:Running&size=1&pretty'"
echo "  curl '$ELASTICSEARCH_URL/demo-*/_count?q=metadata.spider_source:condor_history'"
echo "  metrics: curl 127.0.0.1:${PORTS[0]}/metrics (collector), :${PORTS[1]} (differ), :${PORTS[2]} (publisher)"
start_collector
echo "The services keep running (the collector again from its checkpoint); stop everything with: make demo-down"
exit "$status"
