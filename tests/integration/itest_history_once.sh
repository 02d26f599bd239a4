#!/usr/bin/env bash
# itest_history_once.sh - issue 17 item 3 on the real Kafka: a daemon
# polling history every second while spider-sim's pool moves one step every
# 2 s (SPIDER_SIM_STEP=clock), with an overlap of 4 steps so every record is
# read by several polls (and records that reach the history 2 steps late are
# still caught):
#   once     the topic, read back, has each history record exactly once,
#            and exactly spider-sim's history (no record lost)
#   kill     after five SIGKILLs and a restart on the same checkpoint.json, no
#            record is there more than twice and none is lost
#   file     checkpoint.json keeps the reference's shape (schedd -> number)
#            and its seen sets hold only the overlap window
#   scaleout the same through --scale-out: the checkpoint topic carries the
#            seen sets (key SCHEDD#seen); a second instance started on the
#            same group sends nothing again
set -uo pipefail
B=${SPIDER_BUILD_DIR:?}
: "${KAFKA_BOOTSTRAP:?run through run-with-stack.sh}"
tmp=$(mktemp -d)
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
T=ithistonce.$$.$(date +%s)
daemon=""
cleanup() {
  [ -n "$daemon" ] && kill -9 "$daemon" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
STEP=2 OVERLAP=8
T0=$(($(date +%s) - 20))
export SPIDER_SIM_SCHEDDS=2 SPIDER_SIM_JOBS=30 SPIDER_SIM_INTERVAL=$STEP SPIDER_SIM_T0=$T0 SPIDER_SIM_STEP=clock
SIM=("$B/spider-sim" --schedds 2 --jobs 30 --interval $STEP --t0 "$T0")
mapfile -t SCHEDDS < <("${SIM[@]}" schedds)
C=("$B/spider-collector" run --source "exec:$B/sim-bin" --kafka-brokers "$KAFKA_BOOTSTRAP" --process-queue=false
   --interval 1 --history-offset 0 --history-overlap $OVERLAP --kafka-property linger.ms=5)

step_now() { echo $((($(date +%s) - T0) / STEP)); }
# GlobalJobIds in spider-sim's history of every schedd at step $1, sorted
sim_ids() {
  local s
  for s in "${SCHEDDS[@]}"; do
    SPIDER_SIM_STEP=$1 "${SIM[@]}" history "$s" "$1" |
      python3 -c 'import json,sys; print("\n".join(a["GlobalJobId"] for a in json.load(sys.stdin)))'
  done | LC_ALL=C sort -u
}
# keys (GlobalJobIds) of the records in topic $1
kafka_keys() { kcat -b "$KAFKA_BOOTSTRAP" -C -t "$1" -e -q -f '%k\n' | grep -v '^$' | LC_ALL=C sort; }
# ids of $1 missing from $2 (files)
missing() { LC_ALL=C comm -23 "$1" "$2" | wc -l; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
polls_in() { grep -c 'event=poll.done.*kind=history' "$1"; }
run_for() {   # run_for SECONDS SIGNAL LOG ARGS...: the daemon, stopped with SIGNAL after SECONDS
  local secs=$1 sig=$2 log=$3
  shift 3
  "${C[@]}" "$@" 2>>"$log" &
  daemon=$!
  sleep "$secs"
  # MIN_POLLS: and not before that many history polls are in LOG (at most 90 s
  # more), so a loaded machine runs longer rather than failing the count
  for ((w = 0; w < 180 && $(polls_in "$log") < ${MIN_POLLS:-0}; w++)); do sleep 0.5; done
  curl -s "http://127.0.0.1:$port/metrics" > "$tmp/metrics"
  kill "-$sig" "$daemon"
  wait "$daemon" 2>/dev/null
  daemon=""
}
figures() {   # figures TOPIC LABEL: records, unique, most copies of one
  kafka_keys "$1" > "$tmp/keys"
  LC_ALL=C sort -u "$tmp/keys" > "$tmp/unique"
  records=$(wc -l < "$tmp/keys") unique=$(wc -l < "$tmp/unique")
  most=$(uniq -c "$tmp/keys" | sort -rn | awk 'NR == 1 { print $1 + 0 } END { if (NR == 0) print 0 }')
  echo "$2: $records history records in Kafka, $unique unique, at most $most copies of one"
}

# ---- once: 24 s of polls, stopped cleanly ----
MIN_POLLS=30 run_for 24 TERM "$tmp/d1.log" --metrics-port "$port" --checkpoint-file "$tmp/cp.json" --topic-history "$T.history"
s1=$(step_now)
figures "$T.history" once
sim_ids $((s1 - 2)) > "$tmp/want"
sim_ids "$s1" > "$tmp/may"
polls=$(polls_in "$tmp/d1.log")
skipped=$(grep -o 'event=poll.done.*already_sent=[0-9]*' "$tmp/d1.log" | sed 's/.*already_sent=//' | awk '{ n += $1 } END { print n + 0 }')
echo "once: $polls history polls, $skipped records skipped as already in Kafka"
check "once: at least 30 history polls ran" '[ "$polls" -ge 30 ]'
check "once: the overlap was read again (records skipped: $skipped)" '[ "${skipped:-0}" -gt 0 ]'
m_skipped=$(awk '$1 == "spider_collector_history_already_sent_total" { print $2 }' "$tmp/metrics")
check "once: /metrics counts the skipped records (${m_skipped:-none})" '[ "${m_skipped:-0}" -gt 0 ] && [ "${m_skipped:-0}" -le "$skipped" ]'
check "once: records were sent ($records)" '[ "$records" -gt 20 ]'
check "once: each history record exactly once ($records records, $unique unique)" '[ "$records" -eq "$unique" ]'
check "once: none of spider-sim's history (step $((s1 - 2))) lost ($(missing "$tmp/want" "$tmp/unique") missing)" \
  '[ "$(missing "$tmp/want" "$tmp/unique")" -eq 0 ]'
check "once: nothing that is not spider-sim's history" '[ "$(missing "$tmp/unique" "$tmp/may")" -eq 0 ]'

# ---- file: the reference's shape, seen sets bounded by the overlap ----
check "file: every top-level key but spider.history_seen is a schedd with a number" 'python3 - "$tmp/cp.json" <<EOF
import json, sys
cp = json.load(open(sys.argv[1]))
seen = cp.pop("spider.history_seen")
assert sorted(cp) == sorted("""${SCHEDDS[*]}""".split()), cp
assert all(isinstance(v, (int, float)) for v in cp.values()), cp
EOF'
check "file: the seen sets hold only records completed in the overlap before the checkpoint" 'python3 - "$tmp/cp.json" <<EOF
import json, sys
cp = json.load(open(sys.argv[1]))
seen = cp.pop("spider.history_seen")
for s, ids in seen.items():
    assert ids, s
    assert all(cp[s] - $OVERLAP <= t <= cp[s] for t in ids.values()), (s, cp[s], ids)
    print("   ", s, "checkpoint", cp[s], "seen", len(ids))
EOF'

# ---- kill: SIGKILL in the middle, then a restart on the same checkpoint ----
for i in 1 2 3 4 5; do   # five SIGKILLs at uneven moments: some land in a poll or a save
  run_for "$((1 + i % 3)).$((RANDOM % 10))" KILL "$tmp/d2.log" --checkpoint-file "$tmp/cp.json" --topic-history "$T.history"
done
check "kill: checkpoint.json (or its .back) survived the SIGKILLs" \
  'python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$tmp/cp.json" || python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$tmp/cp.json.back"'
run_for 12 TERM "$tmp/d3.log" --checkpoint-file "$tmp/cp.json" --topic-history "$T.history"
s2=$(step_now)
figures "$T.history" "kill"
sim_ids $((s2 - 2)) > "$tmp/want"
sim_ids "$s2" > "$tmp/may"
check "kill: the restarted daemon polled" 'grep -q "event=poll.done.*kind=history" "$tmp/d3.log"'
check "kill: no record more than twice (at most $most copies; $records records, $unique unique)" '[ "$most" -le 2 ]'
check "kill: none of spider-sim's history (step $((s2 - 2))) lost" '[ "$(missing "$tmp/want" "$tmp/unique")" -eq 0 ]'
check "kill: nothing that is not spider-sim's history" '[ "$(missing "$tmp/unique" "$tmp/may")" -eq 0 ]'

# ---- scaleout: the same through the checkpoint topic ----
SO=(--scale-out --group "$T.group" --checkpoint-topic "$T.checkpoints" --checkpoint-partitions 2
    --topic-history "$T.sohistory" --kafka-property session.timeout.ms=6000)
run_for 20 TERM "$tmp/d4.log" "${SO[@]}"
run_for 14 TERM "$tmp/d5.log" "${SO[@]}"
figures "$T.sohistory" scaleout
check "scaleout: both instances polled" \
  'grep -q "event=poll.done.*kind=history" "$tmp/d4.log" && grep -q "event=poll.done.*kind=history" "$tmp/d5.log"'
check "scaleout: records were sent ($records)" '[ "$records" -gt 20 ]'
check "scaleout: each history record exactly once across both ($records records, $unique unique)" '[ "$records" -eq "$unique" ]'
kcat -b "$KAFKA_BOOTSTRAP" -C -t "$T.checkpoints" -e -q -f '%k\t%s\n' > "$tmp/cps"
check "scaleout: the checkpoint topic has each schedd's number and its seen set" 'python3 - "$tmp/cps" <<EOF
import json, sys
last = {}
for line in open(sys.argv[1]):
    k, v = line.rstrip("\n").split("\t", 1)
    last[k] = v
for s in """${SCHEDDS[*]}""".split():
    t = float(last[s])
    ids = json.loads(last[s + "#seen"])
    assert ids and all(t - $OVERLAP <= e <= t for e in ids.values()), (s, t, ids)
EOF'

exit $fail
