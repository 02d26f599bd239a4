#!/usr/bin/env bash
# collector_process.sh BUILD - the whole spider-collector process, measured
# in ads per CPU-second of the collector alone: `run --once` on the exec
# source (spider-sim's fake condor_q/condor_history, -json) and on the file
# source (the same answers saved as files), into the local Kafka (every
# record acknowledged before the process exits), with 1, 2 and 4 workers;
# and into --output jsonl and --output bulk. The CPU is the process's own
# getrusage(RUSAGE_SELF) (all its threads, librdkafka's too; never the fake
# tools it runs), which the collector logs as process.cpu at exit.
# Baselines in the same run, on the same ads: jansson parsing the -json
# files into a DOM (bench-jansson-ads), and HTCondor's libclassad (the
# htcondor wheel in the oracle venv) parsing the same ads as -long, since
# its bindings have no JSON parser (bench/classad_ads.py).
# Each figure is the median of RUNS runs. Starts the local Kafka if down.
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
set -a; . "$ROOT/deploy/local/stack.env"; set +a
"$ROOT/deploy/local/stack.sh" check kafka >/dev/null 2>&1 || "$ROOT/deploy/local/stack.sh" up kafka >&2
SCHEDDS=${SCHEDDS:-4} JOBS=${JOBS:-5000} RUNS=${RUNS:-3} STEP=12
WORKERS=${WORKERS:-"1 2 4"}
ORACLE=${ORACLE:-/var/tmp/spider-tools/oracle-venv/bin/python}
export PATH="$BUILD/sim-bin:$PATH" SPIDER_SIM_SCHEDDS=$SCHEDDS SPIDER_SIM_JOBS=$JOBS SPIDER_SIM_STEP=$STEP
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
now=$((1763800000 + STEP * 720))
prefix=bench.process.$$.$(date +%s)

# The file source's replay directory (-json) and the -long form of the same ads.
mkdir -p "$work/json" "$work/long"
while read -r s; do
  mkdir -p "$work/json/$s" "$work/long/$s"
  condor_q -allusers -name "$s" -json >"$work/json/$s/queue.json"
  condor_history -name "$s" -json >"$work/json/$s/history.json"
  condor_q -allusers -name "$s" -long >"$work/long/$s/queue.long"
  condor_history -name "$s" -long >"$work/long/$s/history.long"
done < <("$BUILD"/spider-sim schedds --schedds "$SCHEDDS")

median() { sort -g | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'; }

# One collector run: prints "ads cpu_seconds"; its log in $work/log.
collector() { # SOURCE WORKERS OUTPUT
  local n=$((++runs)) out=()
  case "$3" in
    kafka) out=(--kafka-brokers "$KAFKA_BOOTSTRAP" --topic-queue "$prefix.$n.queue" --topic-history "$prefix.$n.history") ;;
    *) out=(--output "$3" --output-file "$work/out.$3" --read-only) ;;
  esac
  rm -f "$work/out.$3" "$work"/checkpoint.json*   # and its .back: each run polls from scratch
  "$BUILD"/spider-collector run --once --now "$now" --source "$1" --workers "$2" \
    --checkpoint-file "$work/checkpoint.json" "${out[@]}" --log-level info --log-format kv 2>"$work/log" ||
    { tail -20 "$work/log" >&2; exit 1; }
  awk '/event=cycle.done/ { for (i = 1; i <= NF; i++) if ($i ~ /^ads=/) ads += substr($i, 5) }
       /event=process.cpu/ { for (i = 1; i <= NF; i++) if ($i ~ /^(user|system)_seconds=/) { split($i, kv, "="); cpu += kv[2] } }
       END { print ads, cpu }' "$work/log"
}
runs=0

rate() { # CMD...: prints "ads-per-CPU-second ads": the median over RUNS, the ads of the last run
  local r=() line
  for _ in $(seq "$RUNS"); do
    line=$("$@")
    r+=("$(awk -v l="$line" 'BEGIN { split(l, a, " "); printf "%.0f", (a[2] > 0 ? a[1] / a[2] : 0) }')")
  done
  echo "$(printf '%s\n' "${r[@]}" | median) ${line% *}"
}

jansson() { "$BUILD"/bench-jansson-ads "$work"/json/*/*.json | awk '{ print $2, $4 }'; }
libclassad() { "$ORACLE" "$ROOT/bench/classad_ads.py" "$work"/long/*/*.long | awk '{ print $2, $4 }'; }

read -r base_j ads_j < <(rate jansson)
read -r base_c _ < <(rate libclassad)
printf 'collector_process: %d schedds x %d jobs (%d ads as -json files), queue + history, ads per CPU-second of the process alone, median of %d runs\n' \
  "$SCHEDDS" "$JOBS" "$ads_j" "$RUNS"
printf '  %-46s %9s\n' "baseline: jansson parse only (DOM)" "$base_j"
printf '  %-46s %9s\n' "baseline: libclassad parse only (-long)" "$base_c"
printf '  %-46s %9s  %8s  %8s\n' "collector run --once" "ads/CPU-s" "/jansson" "/classad"
row() { # LABEL SOURCE WORKERS OUTPUT
  local r a; read -r r a < <(rate collector "$2" "$3" "$4")
  awk -v l="$1" -v r="$r" -v j="$base_j" -v c="$base_c" -v a="$a" 'BEGIN {
    printf "  %-46s %9d  %7.1fx  %7.1fx   (%d ads)\n", l, r, r / j, r / c, a }'
}
for w in $WORKERS; do row "exec source -> Kafka, $w worker(s)" exec "$w" kafka; done
for w in $WORKERS; do row "file source -> Kafka, $w worker(s)" "file:$work/json" "$w" kafka; done
for o in jsonl bulk; do row "file source -> --output $o, 1 worker" "file:$work/json" 1 "$o"; done
row "exec source -> --output jsonl, 1 worker" exec 1 jsonl
