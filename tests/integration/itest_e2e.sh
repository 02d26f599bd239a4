#!/usr/bin/env bash
# itest_e2e.sh - the whole pipeline, as `make demo` runs it, against the
# real stack and spider-sim's ground truth:
#   spider-collector x2 (cron mode: --once per poll, --scale-out sharing the
#   schedds) -> Kafka -> spider-differ stream x2 -> spider-publisher x2
#   -> OpenSearch (nginx /es, TLS) + Elasticsearch + ActiveMQ.
# After every poll both clusters hold exactly the documents they should:
# every queued job of the first poll (--emit-initial), then the jobs
# spider-sim changed (`spider-sim changes`, the truth), plus every history
# record, each converted as a fault-free collector converts the same poll;
# `spider-differ compare` checks the contents, counts check that nothing is
# missing or extra. The run goes through:
#   poll 2: a schedd hangs, the collector instance polling it is killed
#           mid-cycle with SIGKILL and the cycle is run again (cron's retry);
#   poll 3: one differ and one publisher instance killed mid-cycle, restarted;
#   poll 4: the Kafka broker killed (SIGKILL) and restarted before the poll;
#   poll 5: Elasticsearch down for the cycle (OpenSearch goes on), then back:
#           it catches up from Kafka;
# and in the end ActiveMQ has a notification for every document
# (python3-stomp reads them).
set -uo pipefail
. "$(dirname "$0")/clusters.sh"      # B, ROOT, tmp, the helpers
T=ite2e$$
tpl=$T
SCHEDDS=6 JOBS=60 T0=1763800000
export PATH="$B/sim-bin:$PATH" SPIDER_SIM_SCHEDDS=$SCHEDDS SPIDER_SIM_JOBS=$JOBS
export E2E_RUN=$T             # inherited by every process of this run: cleanup finds them by it
# short sessions so that a killed member's partitions move on within seconds;
# consumers see topics created after they subscribed within 2 s
KP=(--kafka-brokers "$KAFKA_BOOTSTRAP" --kafka-property session.timeout.ms=6000
    --kafka-property heartbeat.interval.ms=1000 --kafka-property topic.metadata.refresh.interval.ms=2000)

# kill_run: SIGKILL every process of this run.
kill_run() {
  local p
  for p in /proc/[0-9]*; do
    grep -qsz "^E2E_RUN=$T\$" "$p/environ" && kill -9 "${p#/proc/}" 2>/dev/null
  done
  return 0
}
# the stack's servers must not inherit E2E_RUN
stack() { env -u E2E_RUN "$ROOT/deploy/local/stack.sh" "$@" >>"$tmp/stack.log" 2>&1; }
cleanup() {
  kill_run
  stack up kafka elasticsearch                 # leave the stack whole
  for c in os es; do delete_indices $c "$tpl-*"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
sim() { "$B/spider-sim" --schedds $SCHEDDS --jobs $JOBS --log-level error "$@"; }

# collector K [ENV=VALUE...]: one collector instance polling step K in the
# background (its pid in $!).
collector() {
  local k=$1; shift
  env SPIDER_SIM_STEP="$k" "$@" "$B/spider-collector" run --once --now $((T0 + k * 720)) --scale-out \
    --group "$T.collector" --checkpoint-topic "$T.checkpoints" --checkpoint-partitions 6 --index-template "$tpl" \
    --topic-queue "$T.queue" --topic-history "$T.history" "${KP[@]}" --log-level warn 2>>"$tmp/collector.log" &
}
# cycle K [ENV=VALUE...]: two collector instances poll step K; waits for both.
cycle() {
  local a b
  collector "$@"; a=$!
  collector "$@"; b=$!
  wait $a $b
}
# differ NAME / publisher NAME: one daemon instance, its pid in the variable NAME.
differ() {
  "$B/spider-differ" stream --topic-queue "$T.queue" --topic-changes "$T.changes" --group "$T.differ" \
    --emit-initial "${KP[@]}" --log-level warn 2>>"$tmp/differ-$1.log" &
  printf -v "$1" %s $!
}
publisher() {
  "$B/spider-publisher" run --es-conf "$tmp/es_conf.json" --topics "$T.changes,$T.history" --group "$T.publisher" \
    --deadletter-topic "$T.dead" --batch-docs 50 --batch-ms 200 --amq-brokers "$STOMP_HOST:$STOMP_PORT" \
    --amq-destination "/queue/$T" --amq-timeout-ms 5000 --amq-username-file "$tmp/amq_username" \
    --amq-password-file "$tmp/amq_password" "${KP[@]}" --log-level warn 2>>"$tmp/publisher-$1.log" &
  printf -v "$1" %s $!
}

# truth K: what the clusters must hold after step K, in $tmp/expected.jsonl.
# The documents of step K as a fault-free collector converts them (JSON
# lines, its own checkpoint file); of its queue documents, those the
# differ must emit: all at step 1, then the jobs spider-sim changed.
truth() {
  local k=$1 s
  SPIDER_SIM_STEP=$k "$B/spider-collector" run --once --now $((T0 + k * 720)) --output jsonl \
    --output-file "$tmp/poll-$k.jsonl" --checkpoint-file "$tmp/truth-cp.json" --index-template "$tpl" --log-level error
  for s in $(sim schedds); do sim changes "$s" "$k"; done |
    awk '$1 != "REMOVED" { printf "\"GlobalJobId\":\"%s\"\n", $2 }' > "$tmp/changed-$k"
  grep '"spider_source":"condor_queue"' "$tmp/poll-$k.jsonl" |
    if [ "$k" -eq 1 ]; then cat; else grep -F -f "$tmp/changed-$k"; fi >> "$tmp/all.jsonl"
  grep '"spider_source":"condor_history"' "$tmp/poll-$k.jsonl" >> "$tmp/all.jsonl"
  latest "$tmp/all.jsonl" > "$tmp/expected.jsonl"      # a cluster keeps the last write of each id
  want=$(wc -l < "$tmp/expected.jsonl")
}
both() { wait_count os "$want" && wait_count es "$want"; }
# same CLUSTER: the cluster's documents are the expected ones, field by field
same() {
  "$B/spider-differ" compare "es:$1/$tpl-*" "$tmp/expected.jsonl" --min-match 100% --es-conf "$tmp/es_conf.json" \
    --es-page 500 --report "$tmp/report-$1.json" --log-level warn >"$tmp/compare.out" 2>&1 ||
    { sed 's/^/  /' "$tmp/compare.out"; return 1; }
}

# poll 1: the services start on an empty run, two instances each
cycle 1
truth 1
differ D1; differ D2
publisher P1; publisher P2
check "poll 1: both clusters hold every queued job and history record ($want)" both

# poll 2: one schedd hangs; the instance polling it is killed mid-cycle, and cron runs the poll again
hung=$(sim schedds | sed -n 2p)
collector 2 "SPIDER_SIM_FAIL=$hung=hang"; a=$!
collector 2 "SPIDER_SIM_FAIL=$hung=hang"; b=$!
for _ in $(seq 1 60); do { kill -0 $a 2>/dev/null && kill -0 $b 2>/dev/null; } || break; sleep 0.5; done
killed=0
for p in $a $b; do kill -0 $p 2>/dev/null && { kill -9 $p; killed=$((killed + 1)); }; done
wait $a $b 2>/dev/null
check "poll 2: the instance polling the hung schedd was still in its cycle and was killed ($killed)" '[ $killed -ge 1 ]'
cycle 2
truth 2
check "poll 2, run again: exactly the changes, nothing from the dead instance's half snapshot ($want)" both

# poll 3: a differ and a publisher instance die mid-cycle
collector 3; a=$!
collector 3; b=$!
sleep 1
kill -9 "$D1" "$P2"; wait "$D1" "$P2" 2>/dev/null
wait $a $b
differ D1; publisher P2
truth 3
check "poll 3, a differ and a publisher killed mid-cycle and restarted: no loss, no ADDED storm ($want)" both

# poll 4: the Kafka broker is killed and restarted first
kill -9 "$(cat "$STACK_DIR/run/kafka.pid")"
sleep 2
stack up kafka
cycle 4
truth 4
check "poll 4, after the Kafka broker was killed and restarted ($want)" both

# poll 5: Elasticsearch is down for the cycle
before=$(count es)
stack down elasticsearch
cycle 5
truth 5
check "poll 5, Elasticsearch down: OpenSearch has every document ($want)" 'wait_count os "$want"'
stack up elasticsearch
check "poll 5: Elasticsearch, back, caught up from Kafka ($before before, $want now)" 'wait_count es "$want" 180'

sleep 3
check "a moment later: exactly $want in both (nothing doubled)" '[ "$(count os)" = "$want" ] && [ "$(count es)" = "$want" ]'
check "OpenSearch's documents are the truth's, field by field (spider-differ compare)" "same $OS_NAME"
check "Elasticsearch's documents are the truth's, field by field (spider-differ compare)" "same $ES_NAME"
amq=$(/usr/bin/python3 "$(dirname "$0")/amq_notifications.py" "/queue/$T" "$want"); amq_rc=$?
check "ActiveMQ: a notification for every one of the $want documents ($amq)" '[ $amq_rc -eq 0 ]'

if [ $fail -ne 0 ]; then
  for f in "$tmp"/*.log; do echo "---- $f"; tail -15 "$f"; done
fi
exit $fail
