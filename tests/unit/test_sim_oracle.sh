#!/usr/bin/env bash
# test_sim_oracle.sh - spider-sim prints ads byte for byte as HTCondor's own
# ClassAd library does (the htcondor 23.0.28 wheel, tests/unit/sim_oracle.py):
# -json, -jsonl and -long, for queue and history, as `spider-sim queue|history`
# and as the fake condor_q/condor_history the collector runs, for several
# seeds, pool sizes and steps, no ads included; plus `spider-sim samples`, ads
# with every class of value (extreme reals, 64-bit ints, escapes, UTF-8,
# expressions, lists). A missing oracle venv fails (deploy/install-deps.sh).
set -uo pipefail
B=${SPIDER_BUILD_DIR:?}
S=${SPIDER_SOURCE_DIR:?}
PY="${SPIDER_TOOLS_DIR:-/var/tmp/spider-tools}/oracle-venv/bin/python"
ORACLE="$S/tests/unit/sim_oracle.py"
fail=0 total=0 runs=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if ! "$PY" -W ignore -c 'import classad' 2>/dev/null; then
  echo "FAIL: no oracle venv at $PY (run deploy/install-deps.sh)"; exit 1
fi

# compare NAME TOOL [--parse-long] -- CMD...: CMD FORMAT prints the ads in FORMAT
compare() {
  local name=$1 tool=$2 opt=$3; shift 4
  for f in long json jsonl; do "$@" "$f" >"$tmp/out.$f" || { echo "FAIL: $name: $* $f exited $?"; fail=1; return; }; done
  local out; out=$("$PY" "$ORACLE" $opt "$tool" "$tmp/out.long" "$tmp/out.json" "$tmp/out.jsonl" 2>&1)
  local rc=$?
  runs=$((runs + 1))
  if [ $rc -ne 0 ] || [[ $out != ok* ]]; then echo "FAIL: $name: $out" | cut -c1-2000; fail=1; return; fi
  local n=${out#ok }; n=${n% ads}
  total=$((total + n))
  echo "ok: $name ($n ads)"
}
sim() { local f=${@: -1}; "$B/spider-sim" "${@:1:$#-1}" --format "$f"; }   # FORMAT comes last

for seed in 1 2026; do
  for jobs in 5 60 300; do
    for step in 0 7; do
      compare "queue seed=$seed jobs=$jobs step=$step" condor_q --parse-long -- \
        sim queue vocms0101.cern.ch $step --seed $seed --jobs $jobs
      compare "history seed=$seed jobs=$jobs step=$step" condor_history --parse-long -- \
        sim history crab3@vocms0100.cern.ch $step --seed $seed --jobs $jobs
    done
  done
done
compare "history with no ads" condor_history --parse-long -- sim history vocms0102.cern.ch 3 99999999999
n=$("$B/spider-sim" history vocms0102.cern.ch 3 99999999999 --format json)
[ "$n" = $'[\n]' ] && echo "ok: condor_history -json of no ads is [ ]" || { echo "FAIL: history of no ads printed '$n'"; fail=1; }

# The fake tools, which the collector's exec source runs.
fake_q() { SPIDER_SIM_SEED=5 SPIDER_SIM_JOBS=80 SPIDER_SIM_STEP=4 "$B/sim-bin/condor_q" -allusers -name vocms0102.cern.ch "$@"; }
fake_h() { SPIDER_SIM_SEED=5 SPIDER_SIM_JOBS=80 SPIDER_SIM_STEP=4 "$B/sim-bin/condor_history" -name vocms0102.cern.ch "$@"; }
with_dash() { local f=${@: -1}; "${@:1:$#-1}" "-$f"; }
compare "fake condor_q" condor_q --parse-long -- with_dash fake_q -constraint 'JobUniverse == 5'
compare "fake condor_history" condor_history --parse-long -- with_dash fake_h
compare "fake condor_q -attributes" condor_q --parse-long -- with_dash fake_q -attributes 'globaljobid,JobStatus,requestmemory,Requirements'
compare "fake condor_q, no ads" condor_q --parse-long -- with_dash fake_q -constraint 'false'
compare "fake condor_history, no ads" condor_history --parse-long -- with_dash fake_h -constraint 'false'

# Every class of value; -long is compared but not parsed back: HTCondor's
# -long form prints newlines and backslashes in strings raw, so it cannot
# carry them (sim_oracle.py).
for seed in 1 2 3 4 5 6 7 8 9 10; do
  compare "samples seed=$seed" condor_q "" -- sim samples --seed $seed --jobs 25
done

# The oracle can fail: a real printed as an integer is caught.
"$B/spider-sim" samples --seed 1 --jobs 3 --format long >"$tmp/l"
"$B/spider-sim" samples --seed 1 --jobs 3 --format json | sed 's/"Real_11": -3.0/"Real_11": -3/' >"$tmp/j"
"$B/spider-sim" samples --seed 1 --jobs 3 --format jsonl >"$tmp/jl"
out=$("$PY" "$ORACLE" condor_q "$tmp/l" "$tmp/j" "$tmp/jl" 2>&1)
[[ $out == *"-long differs"* ]] && echo "ok: the oracle catches -3.0 printed as -3" || { echo "FAIL: the oracle missed -3: $out"; fail=1; }

if [ $total -lt 2500 ]; then echo "FAIL: only $total ads compared"; fail=1; fi
echo "compared $total ads in $runs runs (each in -long, -json and -jsonl)"
exit $fail
