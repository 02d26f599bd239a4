#!/usr/bin/env bash
# test_collector_readonly.sh - the migration check's collector runs, against
# spider-sim's fake condor_q/condor_history, with Kafka pointed at a closed
# port (127.0.0.1:1), so any attempt to reach it would fail the run:
#   --read-only --output jsonl writes every queue and history document, the
#     same documents a normal --output jsonl run writes, and leaves the
#     checkpoint file byte for byte as it was (no .back either);
#   --read-only --output bulk writes the same documents as _bulk NDJSON: an
#     {"index":{"_index","_id"}} line, then the document (plus
#     metadata.publisher_git_hash), for every document, to a file or stdout;
#   --read-only with the default Kafka output sends and writes nothing;
#   --read-only with --scale-out is refused (exit 2): it would join the group.
set -uo pipefail
B=${SPIDER_BUILD_DIR:?}
C="$B/spider-collector"
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export SPIDER_SIM_SCHEDDS=3 SPIDER_SIM_JOBS=30
t0=1763800000
run() {  # run STEP CHECKPOINT FLAGS...: one cycle at poll STEP
  local step=$1 cp=$2; shift 2
  SPIDER_SIM_STEP=$step "$C" run --once --now $((t0 + step * 720)) --source "exec:$B/sim-bin" \
    --checkpoint-file "$cp" --kafka-brokers 127.0.0.1:1 --log-level warn --hostname h1 "$@"
}
nometa() { jq -c 'del(.metadata)' "$@"; }

# A checkpoint from a first, normal poll; then the same later poll read-only and normal.
run 4 "$tmp/cp.json" --output jsonl --output-file /dev/null; rc=$?
check "a normal jsonl run writes a checkpoint" '[ $rc -eq 0 ] && [ -s "$tmp/cp.json" ]'
cp "$tmp/cp.json" "$tmp/cp.ro.json"; cp "$tmp/cp.json" "$tmp/cp.normal.json"
run 9 "$tmp/cp.ro.json" --read-only --output jsonl --output-file "$tmp/ro.jsonl"; rc=$?
run 9 "$tmp/cp.normal.json" --output jsonl --output-file "$tmp/normal.jsonl"; rc2=$?
check "both runs exit 0 without Kafka" '[ $rc -eq 0 ] && [ $rc2 -eq 0 ]'
q=$(jq -r 'select(.metadata.spider_source == "condor_queue") | .GlobalJobId' "$tmp/ro.jsonl" | wc -l)
h=$(jq -r 'select(.metadata.spider_source == "condor_history") | .GlobalJobId' "$tmp/ro.jsonl" | wc -l)
check "--read-only --output jsonl writes queue ($q) and history ($h) documents" '[ $q -gt 20 ] && [ $h -gt 10 ]'
check "they are the documents a normal run writes" \
  'cmp -s <(nometa "$tmp/ro.jsonl" | sort) <(nometa "$tmp/normal.jsonl" | sort)'
check "the read-only run left the checkpoint as it was" \
  'cmp -s "$tmp/cp.json" "$tmp/cp.ro.json" && [ ! -e "$tmp/cp.ro.json.back" ]'
check "the normal run moved its checkpoint" '! cmp -s "$tmp/cp.json" "$tmp/cp.normal.json"'

# _bulk NDJSON, to a file and to stdout.
cp "$tmp/cp.json" "$tmp/cp.bulk.json"
run 9 "$tmp/cp.bulk.json" --read-only --output bulk --output-file "$tmp/ro.bulk"; rc=$?
check "--read-only --output bulk exits 0 and keeps the checkpoint" '[ $rc -eq 0 ] && cmp -s "$tmp/cp.json" "$tmp/cp.bulk.json"'
lines=$(wc -l < "$tmp/ro.bulk"); docs=$(wc -l < "$tmp/ro.jsonl")
check "two lines per document ($lines lines, $docs documents)" '[ "$lines" -eq $((2 * docs)) ]'
awk 'NR % 2 == 1' "$tmp/ro.bulk" > "$tmp/actions"; awk 'NR % 2 == 0' "$tmp/ro.bulk" > "$tmp/sources"
check "every odd line is an index action with _index and _id only" \
  '[ "$(jq -c "[keys, (.index | keys)]" "$tmp/actions" | sort -u)" = "[[\"index\"],[\"_id\",\"_index\"]]" ]'
# (schedds are polled in parallel: the order of documents between schedds varies)
check "each action's _id is <GlobalJobId>#<RecordTime> of the document after it" \
  'cmp -s <(jq -r .index._id "$tmp/actions") <(jq -r "\"\(.GlobalJobId)#\(.RecordTime)\"" "$tmp/sources")'
check "the ids are those of the jsonl documents" \
  'cmp -s <(jq -r .index._id "$tmp/actions" | sort) <(jq -r "\"\(.GlobalJobId)#\(.RecordTime)\"" "$tmp/ro.jsonl" | sort)'
check "each action's _index is the document's daily index (QDate, UTC)" \
  'cmp -s <(jq -r .index._index "$tmp/actions") <(jq -r "\"cms-\(.QDate | strftime(\"%Y-%m-%d\"))\"" "$tmp/sources")'
check "the sources are the jsonl documents" 'cmp -s <(nometa "$tmp/sources" | sort) <(nometa "$tmp/ro.jsonl" | sort)'
hash=$("$C" --version | sed -n 's/.*(git \([^)]*\)).*/\1/p')
check "each source carries metadata.publisher_git_hash, as the publisher adds it" \
  '[ "$(jq -r .metadata.publisher_git_hash "$tmp/sources" | sort -u)" = "$hash" ] && [ -n "$hash" ]'
cp "$tmp/cp.json" "$tmp/cp.stdout.json"
run 9 "$tmp/cp.stdout.json" --read-only --output bulk > "$tmp/stdout.bulk"; rc=$?
check "--output bulk to stdout writes the same actions" \
  '[ $rc -eq 0 ] && cmp -s <(awk "NR % 2 == 1" "$tmp/stdout.bulk" | sort) <(sort "$tmp/actions")'

# Kafka output, read-only: nothing sent, nothing written, checkpoint kept.
cp "$tmp/cp.json" "$tmp/cp.kafka.json"
out=$(run 9 "$tmp/cp.kafka.json" --read-only); rc=$?
check "--read-only with Kafka output sends nothing (closed port, exit 0, no output)" \
  '[ $rc -eq 0 ] && [ -z "$out" ] && cmp -s "$tmp/cp.json" "$tmp/cp.kafka.json"'
out=$(run 9 "$tmp/cp.kafka.json" --output nosuch 2>&1); rc=$?
check "an unknown --output names the choices" '[ $rc -eq 2 ] && [[ $out == *"expected kafka, jsonl or bulk"* ]]'
out=$(run 9 "$tmp/cp.kafka.json" --read-only --output jsonl --scale-out 2>&1); rc=$?
check "--read-only refuses --scale-out (it would take schedds from the instances' group)" \
  '[ $rc -eq 2 ] && [[ $out == *"--read-only with --scale-out"* ]]'
exit $fail
