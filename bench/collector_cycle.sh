#!/usr/bin/env bash
# collector_cycle.sh BUILD - one full collector cycle, 70 schedds x 5,000
# jobs of spider-sim, through the fake condor_q/condor_history (exec
# source, -json) into the local Kafka, queue and history. Baseline in the
# same run: the fake tools alone printing the same answers to /dev/null
# (what the schedd side costs), so the ratio shows what the collector adds.
# Starts the local stack's Kafka when it is down. Target: cycle < 60 s here.
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
set -a; . "$ROOT/deploy/local/stack.env"; set +a
"$ROOT/deploy/local/stack.sh" check kafka >/dev/null 2>&1 || "$ROOT/deploy/local/stack.sh" up kafka >&2
SCHEDDS=${SCHEDDS:-70} JOBS=${JOBS:-5000} STEP=12
export PATH="$BUILD/sim-bin:$PATH" SPIDER_SIM_SCHEDDS=$SCHEDDS SPIDER_SIM_JOBS=$JOBS SPIDER_SIM_STEP=$STEP
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
now=$((1763800000 + STEP * 720))
topic=bench.cycle.$$.$(date +%s)

t0=$(date +%s.%N)
"$BUILD"/spider-sim schedds --schedds "$SCHEDDS" | xargs -P 2 -I{} sh -c 'condor_q -allusers -name "$1" -json >/dev/null; condor_history -name "$1" -json >/dev/null' _ {}
t1=$(date +%s.%N)
"$BUILD"/spider-collector run --once --now "$now" --workers 4 --checkpoint-file "$work/checkpoint.json" \
  --topic-queue "$topic.queue" --topic-history "$topic.history" --kafka-brokers "$KAFKA_BOOTSTRAP" \
  --log-level warn --log-format kv 2>"$work/log" || { tail -20 "$work/log" >&2; exit 1; }
t2=$(date +%s.%N)
awk -v b="$(echo "$t1 - $t0" | bc)" -v c="$(echo "$t2 - $t1" | bc)" -v s="$SCHEDDS" -v j="$JOBS" 'BEGIN {
  printf "collector_cycle: %d schedds x %d jobs, queue + history, exec source (-json) -> Kafka, 2 cores\n", s, j
  printf "  fake condor_q + condor_history alone (baseline): %6.1f s\n", b
  printf "  full collector cycle:                            %6.1f s  (%.2fx the baseline; target < 60 s: %s)\n", c, c / b, c < 60 ? "met" : "NOT met"
}'
