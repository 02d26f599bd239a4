#!/usr/bin/env bash
# itest_collector_robust.sh - the collector's side of issue 13 on the real
# Kafka, read back with kcat and protoc-c --decode:
#   oversized   a 3 MB Args (spider-sim's SPIDER_SIM_HUGE) on one queued job
#               and one history job: both documents arrive with Args cut and
#               marked (SpiderTruncated), every other job arrives too, the
#               snapshot ends with the right count, the checkpoints advance,
#               /metrics counts them; --kafka-property session.timeout.ms
#               (a consumer property) gives the producer no CONFWARN
#   dropped     a document that cannot fit even truncated (message.max.bytes
#               1000) is dropped and logged; the polls still succeed
#   truncated   --max-documents ends each queue snapshot marked truncated
#   down        Kafka unreachable (closed port; a port that never speaks
#               Kafka): --once fails within --kafka-timeout, default 30 s,
#               naming the brokers and the cause, once; a daemon says it
#               once per cycle
set -uo pipefail
B=${SPIDER_BUILD_DIR:?}
ROOT=${SPIDER_SOURCE_DIR:?}
: "${KAFKA_BOOTSTRAP:?run through run-with-stack.sh}"
tmp=$(mktemp -d)
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
T=itcolrob.$$.$(date +%s)
daemon="" mute=""
cleanup() {
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null
  [ -n "$mute" ] && kill "$mute" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
export SPIDER_SIM_SCHEDDS=3 SPIDER_SIM_JOBS=20 SPIDER_SIM_STEP=4
SIM=("$B/spider-sim" --schedds 3 --jobs 20)
C=("$B/spider-collector" run --source "exec:$B/sim-bin" --kafka-brokers "$KAFKA_BOOTSTRAP")
mapfile -t SCHEDDS < <("${SIM[@]}" schedds)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# GlobalJobIds of schedd $1 in spider-sim's queue or history ($2) at step 4 of T0 $3, sorted
sim_ids() { "${SIM[@]}" --t0 "$3" "$2" "$1" 4 | python3 -c 'import json,sys; print("\n".join(a["GlobalJobId"] for a in json.load(sys.stdin)))' | LC_ALL=C sort; }
# The first job number of schedd $1's queue (idle if $3 = idle) or history at step 4 of T0 $2
sim_job() {
  "${SIM[@]}" --t0 "$2" "${4:-queue}" "$1" 4 | python3 -c '
import json, sys
ads = json.load(sys.stdin)
ads = [a for a in ads if sys.argv[1] != "idle" or a["JobStatus"] == 1]
print(ads[0]["ClusterId"] - 1000000)' "${3:-any}"
}
# GlobalJobIds of schedd $2 in topic $1, sorted and unique
kafka_ids() { kcat -b "$KAFKA_BOOTSTRAP" -C -t "$1" -e -q -f '%s\n' | grep -a -o "$2#[0-9]*\.[0-9]*#[0-9]\{10\}" | LC_ALL=C sort -u; }
# Messages with key $2 in topic $1
kafka_count() { kcat -b "$KAFKA_BOOTSTRAP" -C -t "$1" -e -q -f '%k\n' | grep -c -x -F "$2"; }
# The last record with key $2 in topic $1, decoded as text
kafka_last() {
  local p o
  read -r p o < <(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$1" -e -q -f '%p %o %k\n' | awk -v k="$2" '$3 == k { p = $1; o = $2 } END { print p, o }')
  kcat -b "$KAFKA_BOOTSTRAP" -C -t "$1" -p "$p" -o "$o" -c 1 -e -q -f '%s' | protoc-c --decode=spider.Record -I"$ROOT/proto" "$ROOT/proto/spider.proto"
}
# The largest record with key $2 in topic $1, as it is
kafka_largest() {
  local p o
  read -r p o < <(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$1" -e -q -f '%p %o %S %k\n' | awk -v k="$2" '$4 == k && $3 > max { max = $3; p = $1; o = $2 } END { print p, o }')
  kcat -b "$KAFKA_BOOTSTRAP" -C -t "$1" -p "$p" -o "$o" -c 1 -e -q -f '%s'
}
metric() { awk -v m="$1" 'substr($0, 1, length(m) + 1) == m " " { print $NF }' "$tmp/metrics"; }
wait_log() {   # wait up to $2 s for $1 in the daemon's log
  local i
  for ((i = 0; i < $2 * 10; i++)); do grep -q "$1" "$tmp/daemon.log" && return 0; sleep 0.1; done
  return 1
}

# ---- oversized: a daemon whose clock is the pool's step 4 (queue documents
# of live jobs keep Args only with --keep-full-queue-data, as the reference) ----
T0=$(($(date +%s) - 4 * 720 - 60))
export SPIDER_SIM_T0=$T0
qjob=$(sim_job "${SCHEDDS[0]}" "$T0" idle)
hjob=$(sim_job "${SCHEDDS[1]}" "$T0" any history)
echo "huge Args (3000000 bytes): queued idle job $qjob of ${SCHEDDS[0]}, history job $hjob of ${SCHEDDS[1]}"
port=$(free_port)
SPIDER_SIM_HUGE="0:$qjob:3000000,1:$hjob:3000000" "${C[@]}" --interval 3600 --history-offset 0 --metrics-port "$port" \
  --keep-full-queue-data \
  --checkpoint-file "$tmp/cp.json" --topic-queue "$T.queue" --topic-history "$T.history" \
  --kafka-property session.timeout.ms=6000 --kafka-property linger.ms=5 --kafka-property debug=generic \
  --log-level debug 2>"$tmp/daemon.log" &
daemon=$!
check "oversized: the daemon's first cycle is done within 60 s" 'wait_log event=cycle.done 60'
curl -s "http://127.0.0.1:$port/metrics" > "$tmp/metrics"
kill "$daemon"; wait "$daemon" 2>/dev/null; daemon=""
grep event=cycle.done "$tmp/daemon.log"
check "oversized: every poll ok (6 of 6)" 'grep -q "event=cycle.done schedds=3 polls_ok=6 polls_failed=0" "$tmp/daemon.log"'
for i in 0 1 2; do
  s=${SCHEDDS[$i]}
  want_q=$(sim_ids "$s" queue "$T0"); want_h=$(sim_ids "$s" history "$T0")
  nq=$(grep -c . <<<"$want_q"); nh=$(grep -c . <<<"$want_h")
  check "oversized: $s: the queue topic has exactly spider-sim's $nq queued jobs" '[ "$(kafka_ids "$T.queue" "$s")" = "$want_q" ]'
  check "oversized: $s: $nq documents and two markers under its key" '[ "$(kafka_count "$T.queue" "$s")" -eq $((nq + 2)) ]'
  kafka_last "$T.queue" "$s" > "$tmp/end.txt"
  check "oversized: $s: the snapshot ends with count $nq, not truncated" \
    'grep -q "snapshot_end" "$tmp/end.txt" && grep -qx "  count: $nq" "$tmp/end.txt" && ! grep -q truncated "$tmp/end.txt"'
  check "oversized: $s: the history topic has exactly spider-sim's $nh history jobs" '[ "$(kafka_ids "$T.history" "$s")" = "$want_h" ]'
  check "oversized: $s: its checkpoint advanced" 'python3 -c "import json,sys; sys.exit(0 if \"$s\" in json.load(open(\"$tmp/cp.json\")) else 1)"'
done
qgj=$(sim_ids "${SCHEDDS[0]}" queue "$T0" | grep -F "#$((1000000 + qjob)).0#")
hgj=$(sim_ids "${SCHEDDS[1]}" history "$T0" | grep -F "#$((1000000 + hjob)).0#")
kafka_largest "$T.queue" "${SCHEDDS[0]}" > "$tmp/huge_q.bin"
kafka_largest "$T.history" "$hgj" > "$tmp/huge_h.bin"
check "oversized: the queued job's document ($(wc -c < "$tmp/huge_q.bin") bytes) is marked SpiderTruncated, Args cut naming its size" \
  'grep -a -q -F "$qgj" "$tmp/huge_q.bin" && grep -a -q SpiderTruncated "$tmp/huge_q.bin" &&
   grep -a -q "truncated by spider-collector: 3000000 bytes" "$tmp/huge_q.bin" && [ "$(wc -c < "$tmp/huge_q.bin")" -lt 100000 ]'
check "oversized: the history job's document too ($(wc -c < "$tmp/huge_h.bin") bytes)" \
  'grep -a -q -F "$hgj" "$tmp/huge_h.bin" && grep -a -q SpiderTruncated "$tmp/huge_h.bin" &&
   grep -a -q "truncated by spider-collector: 3000000 bytes" "$tmp/huge_h.bin" && [ "$(wc -c < "$tmp/huge_h.bin")" -lt 100000 ]'
check "oversized: both logged as document.truncated, naming Args and its size" \
  '[ "$(grep event=document.truncated "$tmp/daemon.log" | grep -c "largest=\"Args=3000000")" -eq 2 ]'
check "oversized: /metrics counts one truncated document per kind" \
  '[ "$(metric "spider_collector_oversized_documents_total{kind=\"queue\",action=\"truncated\"}")" = 1 ] &&
   [ "$(metric "spider_collector_oversized_documents_total{kind=\"history\",action=\"truncated\"}")" = 1 ]'
check "oversized: /metrics: polls ok 3 + 3, none failed" \
  '[ "$(metric "spider_collector_polls_total{kind=\"queue\",result=\"ok\"}")" = 3 ] &&
   [ "$(metric "spider_collector_polls_total{kind=\"history\",result=\"ok\"}")" = 3 ] &&
   ! grep -q "result=\"failed\"} [1-9]" "$tmp/metrics"'
check "oversized: consumer properties never reach the producer (no CONFWARN)" \
  'grep -q "event=kafka.log" "$tmp/daemon.log" && ! grep -q CONFWARN "$tmp/daemon.log"'
unset SPIDER_SIM_T0

now=$((1763800000 + 4 * 720))
# ---- dropped: nothing fits 1000 bytes, even truncated ----
"${C[@]}" --once --now "$now" --process-history=false --checkpoint-file "$tmp/cp-drop.json" --topic-queue "$T.drop" \
  --kafka-producer-property message.max.bytes=1000 2>"$tmp/drop.log"; rc=$?
nads=$(grep -o 'event=cycle.done.* ads=[0-9]*' "$tmp/drop.log" | grep -o '[0-9]*$')
check "dropped: exit 0, all 3 polls ok" '[ $rc -eq 0 ] && grep -q "polls_ok=3 polls_failed=0" "$tmp/drop.log"'
check "dropped: each of the $nads ads logged as document.oversized (dropped), naming its largest attributes" \
  '[ "$nads" -gt 0 ] && [ "$(grep event=document.oversized "$tmp/drop.log" | grep -c "largest=")" -eq "$nads" ]'
for s in "${SCHEDDS[@]}"; do
  kafka_last "$T.drop" "$s" > "$tmp/end.txt"
  check "dropped: $s: begin and end only, the end counting 0" \
    '[ "$(kafka_count "$T.drop" "$s")" -eq 2 ] && grep -q snapshot_end "$tmp/end.txt" && ! grep -q "count:" "$tmp/end.txt"'
done

# ---- truncated: --max-documents on a queue poll ----
"${C[@]}" --once --now "$now" --process-history=false --checkpoint-file "$tmp/cp-max.json" --topic-queue "$T.max" \
  --max-documents 3 --log-level warn 2>"$tmp/max.log"; rc=$?
check "truncated: --max-documents 3 exits 0" '[ $rc -eq 0 ]'
for s in "${SCHEDDS[@]}"; do
  kafka_last "$T.max" "$s" > "$tmp/end.txt"
  check "truncated: $s: 3 documents, the end marker says count 3 and truncated" \
    '[ "$(kafka_count "$T.max" "$s")" -eq 5 ] && grep -qx "  count: 3" "$tmp/end.txt" && grep -qx "  truncated: true" "$tmp/end.txt"'
done

# ---- down: Kafka unreachable ----
t0=$(date +%s.%N)
"${C[@]}" --once --now "$now" --checkpoint-file "$tmp/cp-down.json" --kafka-brokers 127.0.0.1:1 --kafka-timeout 5 2>"$tmp/down.log"; rc=$?
secs=$(echo "$(date +%s.%N) - $t0" | bc)
echo "closed port, --kafka-timeout 5: exit $rc after $secs s: $(grep event=kafka.unreachable "$tmp/down.log" | cut -c1-300)"
check "down: exit 1 within 10 s" '[ $rc -eq 1 ] && [ "$(echo "$secs < 10" | bc)" = 1 ]'
check "down: one error line naming the brokers and the cause" \
  '[ "$(grep -c level=error "$tmp/down.log")" -eq 1 ] && grep event=kafka.unreachable "$tmp/down.log" | grep -q "127.0.0.1:1 unreachable.*Connection refused"'
check "down: all 6 polls counted failed, no checkpoint written" 'grep -q "polls_failed=6" "$tmp/down.log" && [ ! -e "$tmp/cp-down.json" ]'
t0=$(date +%s.%N)
"${C[@]}" --once --now "$now" --checkpoint-file "$tmp/cp-down.json" --kafka-brokers 127.0.0.1:1 2>"$tmp/down30.log"; rc=$?
secs=$(echo "$(date +%s.%N) - $t0" | bc)
echo "closed port, default --kafka-timeout: exit $rc after $secs s"
check "down: the default bound (30 s) holds: exit 1 within 40 s" '[ $rc -eq 1 ] && [ "$(echo "$secs < 40" | bc)" = 1 ] && [ "$(echo "$secs >= 29" | bc)" = 1 ]'
python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 0)); s.listen(50)
print(s.getsockname()[1], flush=True)
held = []
while True:
    held.append(s.accept()[0])' > "$tmp/mute.port" &
mute=$!
for ((i = 0; i < 50; i++)); do [ -s "$tmp/mute.port" ] && break; sleep 0.1; done
mport=$(cat "$tmp/mute.port")
t0=$(date +%s.%N)
"${C[@]}" --once --now "$now" --checkpoint-file "$tmp/cp-down.json" --kafka-brokers "127.0.0.1:$mport" --kafka-timeout 5 2>"$tmp/mute.log"; rc=$?
secs=$(echo "$(date +%s.%N) - $t0" | bc)
echo "silent port, --kafka-timeout 5: exit $rc after $secs s: $(grep event=kafka.unreachable "$tmp/mute.log" | cut -c1-300)"
check "down: a port that never speaks Kafka: exit 1 within 10 s, saying so" \
  '[ $rc -eq 1 ] && [ "$(echo "$secs < 10" | bc)" = 1 ] && grep event=kafka.unreachable "$tmp/mute.log" | grep -q "127.0.0.1:$mport unreachable.*no broker answered"'
kill "$mute"; mute=""
port=$(free_port)
"${C[@]}" --interval 4 --history-offset 0 --kafka-brokers 127.0.0.1:1 --kafka-timeout 1 --metrics-port "$port" \
  --checkpoint-file "$tmp/cp-down.json" 2>"$tmp/daemon.log" &
daemon=$!
sleep 11
curl -s "http://127.0.0.1:$port/metrics" > "$tmp/metrics"
kill "$daemon"; wait "$daemon" 2>/dev/null; daemon=""
cycles=$(metric spider_collector_kafka_unreachable_total)
errors=$(grep -c level=error "$tmp/daemon.log")
echo "daemon, --interval 4, 11 s: $cycles cycles found Kafka unreachable, $errors error lines"
check "down: the daemon logs one error per cycle ($errors lines, $cycles cycles), not one per record" \
  '[ "${cycles:-0}" -ge 2 ] && [ "$errors" -eq "$cycles" ] && [ "$(grep -c event=kafka.unreachable "$tmp/daemon.log")" -eq "$cycles" ]'
check "down: /metrics counts 3 failed polls of each kind per cycle" \
  '[ "$(metric "spider_collector_polls_total{kind=\"queue\",result=\"failed\"}")" = $((3 * cycles)) ] &&
   [ "$(metric "spider_collector_polls_total{kind=\"history\",result=\"failed\"}")" = $((3 * cycles)) ]'
exit $fail
