#!/usr/bin/env bash
# test_differ_cli.sh - spider-differ compare/merge/dump from the command
# line: exit 0 on identical dumps, 1 on planted differences, 2 on usage and
# input errors; the JSON report; parcel reports merged give the single run's
# counts; a JSON-lines dump and its protobuf dump compare identical.
set -uo pipefail
B=${SPIDER_BUILD_DIR:?}
D="$B/spider-differ"
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# 3000 documents; on the right, one missing (11) and Site changed in 12 (0.4 %)
awk -v l="$tmp/l.jsonl" -v r="$tmp/r.jsonl" 'BEGIN {
  for (i = 0; i < 3000; i++) {
    doc = sprintf("{\"GlobalJobId\": \"s#%d.0#1\", \"RecordTime\": %d, \"QDate\": %d, \"Site\": \"%s\", \"CpuEff\": %.6f, \"metadata\": {\"spider_runtime\": %d}}",
                  i, 1763800000 + i, 1763790000 + i, "%s", i / 3000.0, "%d")
    printf doc "\n", "T2_CH_CERN", i > l
    if (i != 11) printf doc "\n", (i % 250 == 3 ? "T1_US_FNAL" : "T2_CH_CERN"), 0 > r
  }
}'
out=$("$D" compare "$tmp/l.jsonl" "$tmp/l.jsonl" --log-level warn); rc=$?
check "identical dumps pass (exit 0)" '[ $rc -eq 0 ] && [[ $out == *"PASS"* ]]'
out=$("$D" compare "$tmp/l.jsonl" "$tmp/r.jsonl" --report "$tmp/rep.json" --log-level warn); rc=$?
check "0.4 % changed and one id missing pass 99.5 % (exit 0)" '[ $rc -eq 0 ]'
check "the summary names the field" '[[ $out == *"Site"*"12"* ]] && [[ $out == *"only left: 1"* ]]'
got=$(jq -r '"\(.matched) \(.only_left) \(.mismatches[0].count)"' "$tmp/rep.json")
check "the JSON report has the counts ($got)" '[ "$got" = "2999 1 12" ]'
out=$("$D" compare "$tmp/l.jsonl" "$tmp/r.jsonl" --min-match 99.9% --log-level warn); rc=$?
check "the same fails 99.9 % (exit 1)" '[ $rc -eq 1 ] && [[ $out == *"FAIL"* ]]'
out=$("$D" compare "$tmp/l.jsonl" "$tmp/nope.jsonl" 2>&1); rc=$?
check "a missing input is exit 2 and named" '[ $rc -eq 2 ] && [[ $out == *"nope.jsonl"* ]]'
out=$("$D" compare "$tmp/l.jsonl" 2>&1); rc=$?
check "one input is a usage error (exit 2)" '[ $rc -eq 2 ]'
out=$("$D" compare "$tmp/l.jsonl" "$tmp/r.jsonl" --tolerance lots 2>&1); rc=$?
check "a bad --tolerance is exit 2" '[ $rc -eq 2 ] && [[ $out == *"--tolerance"* ]]'
for p in 0 1 2 3; do
  "$D" compare "$tmp/l.jsonl" "$tmp/r.jsonl" --parcel-id $p --parcel-count 4 --report "$tmp/p$p.json" --log-level warn >/dev/null
done
out=$("$D" merge "$tmp"/p[0-3].json --report "$tmp/merged.json" --log-level warn); rc=$?
check "merged parcels: exit 0" '[ $rc -eq 0 ]'
# the counts and per-field mismatch counts of a report, in one line
counts() { jq -c '[.left_count, .right_count, .matched, .identical, .only_left, .only_right, .pass,
                   ([.mismatches[] | {(.field): .count}] | add)]' "$1"; }
same=$([ "$(counts "$tmp/rep.json")" = "$(counts "$tmp/merged.json")" ] && echo same || echo different)
check "merged parcels equal the single run" '[ "$same" = same ]'
out=$("$D" merge "$tmp/p0.json" "$tmp/p0.json" 2>&1); rc=$?
check "a parcel given twice is exit 2" '[ $rc -eq 2 ] && [[ $out == *"given twice"* ]]'
out=$("$D" dump "$tmp/l.jsonl" "$tmp/l.pb" 2>&1); rc=$?
check "dump writes a protobuf dump" '[ $rc -eq 0 ] && [[ $out == *"3000 documents"* ]]'
out=$("$D" compare "$tmp/l.jsonl" "$tmp/l.pb" --log-level warn); rc=$?
check "JSON lines and protobuf of the same documents are identical" '[ $rc -eq 0 ] && [[ $out == *"identical 3000"* ]]'
# Nothing compared is a FAIL, and the summary and the report say which criterion failed.
: > "$tmp/empty1.jsonl"; : > "$tmp/empty2.jsonl"
out=$("$D" compare "$tmp/empty1.jsonl" "$tmp/empty2.jsonl" --report "$tmp/empty.json" --log-level warn); rc=$?
check "two empty inputs FAIL (exit 1)" '[ $rc -eq 1 ] && [[ $out == *"FAIL"* ]]'
check "the summary says why: identical share, both empty" '[[ $out == *"failed: identical share: both inputs are empty"* ]]'
check "the report has pass false and the failed criterion" \
  '[ "$(jq -c "[.pass, [.failed[].criterion]]" "$tmp/empty.json")" = "[false,[\"identical share\"]]" ]'
sed 's/"s#/"other#/' "$tmp/l.jsonl" > "$tmp/other.jsonl"
out=$("$D" compare "$tmp/l.jsonl" "$tmp/other.jsonl" --report "$tmp/other.json" --log-level warn); rc=$?
check "inputs that match nothing FAIL (exit 1)" '[ $rc -eq 1 ] && [[ $out == *"matched 0,"* ]]'
check "the summary names identical share, lost ids and extra ids" \
  '[[ $out == *"failed: identical share: no document matched"* ]] && [[ $out == *"failed: lost ids: 3000 of 3000 left"* ]] &&
   [[ $out == *"failed: extra ids: 3000 of 3000 right"* ]]'
check "so does the report" \
  '[ "$(jq -c "[.failed[].criterion]" "$tmp/other.json")" = "[\"identical share\",\"lost ids\",\"extra ids\"]" ]'
head -1500 "$tmp/l.jsonl" > "$tmp/first.jsonl"
{ cat "$tmp/first.jsonl"; yes 'not json' | head -1500; } > "$tmp/half.jsonl"
out=$("$D" compare "$tmp/first.jsonl" "$tmp/half.jsonl" --min-match 60% --report "$tmp/half.json" --log-level warn); rc=$?
check "every document identical but half the records unreadable fails bad records (--min-match 60%)" \
  '[ $rc -eq 1 ] && [[ $out == *"failed: bad records: 1500 of 3000 records on the right unreadable"* ]] &&
   [ "$(jq -c "[.failed[].criterion]" "$tmp/half.json")" = "[\"bad records\"]" ]'
out=$("$D" compare "$tmp/l.jsonl" "$tmp/l.jsonl" --report "$tmp/same.json" --log-level warn); rc=$?
check "a pass has no failed criterion" '[ $rc -eq 0 ] && [[ $out != *"failed:"* ]] && [ "$(jq -c .failed "$tmp/same.json")" = "[]" ]'
exit $fail
