#!/usr/bin/env bash
# itest_dr_drill.sh - the disaster-recovery drill of README's "Runbook: data
# sent wrongly (seed 001)", command for command, on the real stack (Kafka,
# OpenSearch behind nginx /es with TLS and auth, Elasticsearch):
#   - a clean run (good collector build, spider-sim polls 1..3) is published
#     to both clusters: the ground truth;
#   - production: the good build polls 1, then a bad build polls 2 (another
#     git hash, spider-collector-drill, and an affiliation file that gives
#     one user the wrong country), published by a running publisher in the
#     reference mode (--topics queue,history: ids <GlobalJobId>#<RecordTime>
#     are the same in every run of a slot);
#   - detect: spider-differ compare of the production index against the good
#     build's JSON lines for the same slots fails (exit 1) and its report
#     names AffiliationCountry as the only wrong field, in exactly that
#     user's documents of poll 2;
#   - stop the publisher; the bad build polls once more (3) before it is
#     replaced, so bad documents wait in Kafka, never consumed;
#   - purge --dry-run counts exactly the bad build's documents per cluster;
#     purge deletes them; none is left;
#   - the good build collects polls 2..3 again from the checkpoint file saved
#     before the bad build; replay --from the time that began rewinds both
#     clusters' groups, so the restarted publisher skips poll 3's bad
#     documents: it indexes exactly the re-collected documents per cluster;
#   - both clusters then equal the clean run, git hashes included (compare
#     --ignore metadata.spider_runtime, 100 %), with no bad-hash document.
set -uo pipefail
. "$(dirname "$0")/clusters.sh"      # B, ROOT, tmp, the helpers
T=itdr$$
tpl=$T
export PATH="$B/sim-bin:$PATH" SPIDER_SIM_SCHEDDS=3 SPIDER_SIM_JOBS=40
pub="" pubc=""
cleanup() {
  for p in $pub $pubc; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  for c in os es; do delete_indices $c "$T-*"; delete_indices $c "${T}c-*"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
die() { echo "FAIL: $*"; [ -f "$tmp/publisher.log" ] && tail -5 "$tmp/publisher.log"; exit 1; }

# The affiliation files: the good one maps spider-sim's 8 CRAB users, the
# bad one gives $wrong the wrong country (AffiliationCountry, nothing else).
wrong=farid
aff() { # WRONG_USER
  local u sep="" c
  printf '{'
  for u in alice bob cristina dmitri erin farid giulia hiro; do
    c=CH; [ "$u" = "$1" ] && c=XX
    printf '%s"%s": {"institute": "CERN", "country": "%s", "dn": "/DC=ch/DC=cern/CN=%s"}' "$sep" "$u" "$c" "$u"
    sep=", "
  done
  printf '}\n'
}
aff "" > "$tmp/aff-good.json"
aff "$wrong" > "$tmp/aff-bad.json"
good_hash=$("$B/spider-collector" --version | sed -n 's/.*(git \([^)]*\)).*/\1/p')
bad_hash=$("$B/spider-collector-drill" --version | sed -n 's/.*(git \([^)]*\)).*/\1/p')
[ -n "$bad_hash" ] && [ "$bad_hash" != "$good_hash" ] || die "the drill build has no other git hash ($bad_hash)"

# collect BINARY AFFILIATION STEP PREFIX: one poll (queue and history) of
# spider-sim's step to PREFIX.queue/PREFIX.history, index template PREFIX.
collect() {
  SPIDER_SIM_STEP=$3 "$1" run --once --now $((1763800000 + $3 * 720)) --affiliation-file "$2" \
    --index-template "$4" --checkpoint-file "$tmp/cp-$4.json" --topic-queue "$4.queue" --topic-history "$4.history" \
    --kafka-brokers "$KAFKA_BOOTSTRAP" --log-level error || die "collector $1 step $3 to $4"
}
# jsonl STEP: the good build's documents of that poll, as JSON lines.
jsonl() {
  SPIDER_SIM_STEP=$1 "$B/spider-collector" run --once --now $((1763800000 + $1 * 720)) --affiliation-file "$tmp/aff-good.json" \
    --index-template "$T" --checkpoint-file "$tmp/cp-jsonl.json" --output jsonl --output-file "$tmp/good-$1.jsonl" \
    --log-level error || die "collector jsonl step $1"
}
publisher() { # PREFIX [ARGS...]: a publisher of PREFIX.queue,PREFIX.history in the background
  local p=$1; shift
  "$B/spider-publisher" run --es-conf "$tmp/es_conf.json" --kafka-brokers "$KAFKA_BOOTSTRAP" \
    --topics "$p.queue,$p.history" --group "$p.group" --index-template "$p" --deadletter-topic "$p.dead" \
    --batch-ms 200 --log-level warn --kafka-property session.timeout.ms=6000 --kafka-property heartbeat.interval.ms=1000 \
    "$@" 2>>"$tmp/publisher.log" &
}
settled() { # cluster template expected: at expected, and still a second later
  local tpl=$2
  wait_count "$1" "$3" 90 && sleep 1 && wait_count "$1" "$3" 0
}
count_hash() { # cluster template hash
  cluster_curl "$1" -XPOST "$(cluster_url "$1")/$2-*/_count" -H 'content-type: application/json' \
    -d '{"query":{"term":{"metadata.spider_git_hash":"'"$3"'"}}}' | sed -n 's/.*"count":\([0-9]*\).*/\1/p'
}
refresh() { for c in os es; do cluster_curl $c -XPOST "$(cluster_url $c)/$1-*/_refresh" >/dev/null; done; }
D() { "$B/spider-differ" compare "$@" --es-conf "$tmp/es_conf.json" --log-level warn; }
rj() { tr -d ' \n' <"$1"; }   # the report on one line, for grep
started=$(date +%s)

# The good build's output of each poll: what the test expects.
for k in 1 2 3; do jsonl $k; done
want12=$(unique "$tmp"/good-[12].jsonl)
want=$(unique "$tmp"/good-[123].jsonl)
bad2=$(unique "$tmp/good-2.jsonl")                                   # what the bad poll 2 (over)wrote
wrong2=$(grep "\"CRAB_UserHN\":\"$wrong\"" "$tmp/good-2.jsonl" | unique /dev/stdin)  # ...of them, $wrong's
recollected=$(cat "$tmp"/good-[23].jsonl | wc -l)                # documents polls 2..3 send
echo "polls 1..3: $want documents, 1..2: $want12; poll 2: $bad2, $wrong2 of them $wrong's; polls 2..3 send $recollected"
[ "$wrong2" -gt 0 ] && [ "$wrong2" -lt "$bad2" ] || die "poll 2 has no document of $wrong, or only those"

# 1. The clean run: the good build, polls 1..3, into ${T}c.
for k in 1 2 3; do collect "$B/spider-collector" "$tmp/aff-good.json" $k "${T}c"; done
publisher "${T}c"; pubc=$!
check "clean run: OpenSearch has its $want documents" 'settled os "${T}c" "$want"'
check "clean run: Elasticsearch has its $want documents" 'settled es "${T}c" "$want"'
kill "$pubc"; wait "$pubc" 2>/dev/null; pubc=""

# 2. Production: the good build polls 1, then, under a running publisher, the bad one 2.
collect "$B/spider-collector" "$tmp/aff-good.json" 1 "$T"
publisher "$T"; pub=$!
cp "$tmp/cp-$T.json" "$tmp/checkpoint-before-bad.json"            # the checkpoints before the bad build
collect "$B/spider-collector-drill" "$tmp/aff-bad.json" 2 "$T"
check "production: OpenSearch has polls 1..2 ($want12)" 'settled os "$T" "$want12"'
check "production: Elasticsearch has polls 1..2 ($want12)" 'settled es "$T" "$want12"'

# 3. Detect: what the clusters hold against the good build's output of the same slots.
latest "$tmp"/good-[12].jsonl > "$tmp/good-12.jsonl"
out=$(D "es:$OS_NAME/$T-*" "$tmp/good-12.jsonl" --report "$tmp/detect.json"); rc=$?
echo "$out" | sed 's/^/  | /'
check "detect: compare fails (exit 1, FAIL)" '[ $rc -eq 1 ] && [[ $out == *FAIL* ]]'
check "detect: every id on both sides ($want12), none on one side only" \
  '[[ $(rj "$tmp/detect.json") == *"\"left_count\":$want12,\"right_count\":$want12,\"matched\":$want12,"* ]] &&
   [[ $(rj "$tmp/detect.json") == *"\"only_left\":0,\"only_right\":0,"* ]]'
check "detect: AffiliationCountry is the only wrong field, in exactly $wrong's $wrong2 documents of poll 2" \
  '[ "$(grep -c "\"field\":" "$tmp/detect.json")" = 1 ] &&
   [[ $(rj "$tmp/detect.json") == *"\"mismatches\":[{\"field\":\"AffiliationCountry\",\"count\":$wrong2,"* ]] &&
   [[ $(rj "$tmp/detect.json") == *"\"identical\":$((want12 - wrong2)),"* ]] &&
   [[ $(rj "$tmp/detect.json") == *"\"findings\":[],"* ]]'

# 4. Recover. Stop the publisher; the bad build polls once more before it is replaced.
kill "$pub"; wait "$pub" 2>/dev/null; pub=""
collect "$B/spider-collector-drill" "$tmp/aff-bad.json" 3 "$T"
out=$("$B/spider-publisher" purge --es-conf "$tmp/es_conf.json" --index-template "$T" --git-hash "$bad_hash" --dry-run 2>&1); rc=$?
echo "$out" | sed 's/^/  | /'
check "purge --dry-run: $bad2 documents of the bad build in each cluster" \
  '[ $rc -eq 0 ] && [ "$(grep -c "would delete $bad2 documents of git hash $bad_hash" <<<"$out")" = 2 ]'
refresh "$T"
check "the dry run deleted nothing" '[ "$(count_hash os "$T" "$bad_hash")" = "$bad2" ] && [ "$(count_hash es "$T" "$bad_hash")" = "$bad2" ]'
out=$("$B/spider-publisher" purge --es-conf "$tmp/es_conf.json" --index-template "$T" --git-hash "$bad_hash" 2>&1); rc=$?
echo "$out" | sed 's/^/  | /'
check "purge: deleted $bad2 documents in each cluster" '[ $rc -eq 0 ] && [ "$(grep -c "deleted $bad2 documents" <<<"$out")" = 2 ]'
refresh "$T"
check "after purge: no document of the bad build, the good ones kept ($((want12 - bad2)))" \
  '[ "$(count_hash os "$T" "$bad_hash")" = 0 ] && [ "$(count_hash es "$T" "$bad_hash")" = 0 ] &&
   [ "$(count os)" = $((want12 - bad2)) ] && [ "$(count es)" = $((want12 - bad2)) ]'

# Re-collect polls 2..3 with the good build, checkpoints set back.
sleep 1; t_fix=$(date +%s)            # after every bad message's timestamp
cp "$tmp/checkpoint-before-bad.json" "$tmp/cp-$T.json"
for k in 2 3; do collect "$B/spider-collector" "$tmp/aff-good.json" $k "$T"; done
for name in "$OS_NAME" "$ES_NAME"; do
  # Kafka refuses while the group has a member: one that could not say
  # goodbye (the shared stack's Kafka restarted meanwhile) is gone after
  # session.timeout.ms, so a refusal is tried again for a while.
  for _ in $(seq 1 20); do
    "$B/spider-publisher" replay --es-conf "$tmp/es_conf.json" --kafka-brokers "$KAFKA_BOOTSTRAP" \
      --topics "$T.queue,$T.history" --group "$T.group" --cluster "$name" --from "$t_fix" --log-level warn \
      >"$tmp/replay-$name.out" 2>&1 && break
    sed 's/^/  | /' "$tmp/replay-$name.out"; sleep 1
  done
  cat "$tmp/replay-$name.out" >>"$tmp/replay.out"
done
sed 's/^/  | /' "$tmp/replay.out"
check "replay --from the re-collection rewound both clusters' groups on both topics" \
  '[ "$(grep -c "rewound on $T\.queue .* to $t_fix\$" "$tmp/replay.out")" = 2 ] &&
   [ "$(grep -c "rewound on $T\.history .* to $t_fix\$" "$tmp/replay.out")" = 2 ]'
port=$((20000 + $$ % 20000))                                     # /metrics: a port nobody listens on
while ss -Hltn "sport = :$port" | grep -q .; do port=$((port + 1)); done
publisher "$T" --metrics-port "$port"; pub=$!
check "after replay: OpenSearch has polls 1..3 ($want)" 'settled os "$T" "$want"'
check "after replay: Elasticsearch has polls 1..3 ($want)" 'settled es "$T" "$want"'
metrics=$(curl -sf "http://127.0.0.1:$port/metrics" | grep '^spider_publisher_documents_indexed_total')
echo "$metrics" | sed 's/^/  | /'
check "the restarted publisher indexed exactly the $recollected re-collected documents per cluster (the bad poll 3 skipped)" \
  '[ "$(grep -c " $recollected\$" <<<"$metrics")" = 2 ]'
kill "$pub"; wait "$pub" 2>/dev/null; pub=""

# 5. Verify: identical to the clean run, git hashes included.
refresh "$T"
for c in os es; do
  name=$OS_NAME; [ $c = es ] && name=$ES_NAME
  out=$(D "es:$name/$T-*" "es:$name/${T}c-*" --ignore metadata.spider_runtime --min-match 100% --report "$tmp/verify-$c.json"); rc=$?
  echo "$out" | sed 's/^/  | /'
  check "verify $c: production equals the clean run, 100 % identical, git hashes compared ($want)" \
    '[ $rc -eq 0 ] && [[ $out == *PASS* ]] &&
     [[ $(rj "$tmp/verify-$c.json") == *"\"left_count\":$want,\"right_count\":$want,\"matched\":$want,\"identical\":$want,"* ]] &&
     [[ $(rj "$tmp/verify-$c.json") == *"\"mismatches\":[]"* ]]'
  check "verify $c: no document of the bad build; every one of the good build ($want)" \
    '[ "$(count_hash $c "$T" "$bad_hash")" = 0 ] && [ "$(count_hash $c "$T" "$good_hash")" = "$want" ]'
done
out=$("$B/spider-publisher" purge --es-conf "$tmp/es_conf.json" --index-template "$T" --git-hash "$bad_hash" --dry-run 2>&1); rc=$?
check "verify: purge --dry-run finds no document of the bad build in either cluster" \
  '[ $rc -eq 0 ] && [ "$(grep -c "would delete 0 documents of git hash $bad_hash" <<<"$out")" = 2 ]'
latest "$tmp"/good-[123].jsonl > "$tmp/good-123.jsonl"
out=$(D "es:$OS_NAME/$T-*" "$tmp/good-123.jsonl" --min-match 100%); rc=$?
echo "$out" | sed 's/^/  | /'
check "verify as the runbook does: compare against the good build's output of the slots passes" \
  '[ $rc -eq 0 ] && [[ $out == *PASS* ]] && [[ $out == *"matched $want, identical $want "* ]]'
echo "drill: $(($(date +%s) - started)) s"
[ $fail -eq 0 ] || { echo "---- publisher log"; tail -15 "$tmp/publisher.log"; }
exit $fail
