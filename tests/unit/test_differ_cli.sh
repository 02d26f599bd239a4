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
python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
with open(d + "/l.jsonl", "w") as l, open(d + "/r.jsonl", "w") as r:
    for i in range(3000):
        doc = {"GlobalJobId": "s#%d.0#1" % i, "RecordTime": 1763800000 + i, "QDate": 1763790000 + i,
               "Site": "T2_CH_CERN", "CpuEff": i / 3000.0, "metadata": {"spider_runtime": i}}
        l.write(json.dumps(doc) + "\n")
        if i == 11:
            continue
        if i % 250 == 3:
            doc["Site"] = "T1_US_FNAL"
        doc["metadata"]["spider_runtime"] = 0
        r.write(json.dumps(doc) + "\n")
PY
out=$("$D" compare "$tmp/l.jsonl" "$tmp/l.jsonl" --log-level warn); rc=$?
check "identical dumps pass (exit 0)" '[ $rc -eq 0 ] && [[ $out == *"PASS"* ]]'
out=$("$D" compare "$tmp/l.jsonl" "$tmp/r.jsonl" --report "$tmp/rep.json" --log-level warn); rc=$?
check "0.4 % changed and one id missing pass 99.5 % (exit 0)" '[ $rc -eq 0 ]'
check "the summary names the field" '[[ $out == *"Site"*"12"* ]] && [[ $out == *"only left: 1"* ]]'
check "the JSON report has the counts" \
  '[ "$(python3 -c "import json;r=json.load(open(\"$tmp/rep.json\"));print(r[\"matched\"],r[\"only_left\"],r[\"mismatches\"][0][\"count\"])")" = "2999 1 12" ]'
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
same=$(python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
a, b = json.load(open(d + "/rep.json")), json.load(open(d + "/merged.json"))
keys = ["left_count", "right_count", "matched", "identical", "only_left", "only_right", "pass"]
ok = all(a[k] == b[k] for k in keys)
ok = ok and {m["field"]: m["count"] for m in a["mismatches"]} == {m["field"]: m["count"] for m in b["mismatches"]}
print("same" if ok else "different")
PY
)
check "merged parcels equal the single run" '[ "$same" = same ]'
out=$("$D" merge "$tmp/p0.json" "$tmp/p0.json" 2>&1); rc=$?
check "a parcel given twice is exit 2" '[ $rc -eq 2 ] && [[ $out == *"given twice"* ]]'
out=$("$D" dump "$tmp/l.jsonl" "$tmp/l.pb" 2>&1); rc=$?
check "dump writes a protobuf dump" '[ $rc -eq 0 ] && [[ $out == *"3000 documents"* ]]'
out=$("$D" compare "$tmp/l.jsonl" "$tmp/l.pb" --log-level warn); rc=$?
check "JSON lines and protobuf of the same documents are identical" '[ $rc -eq 0 ] && [[ $out == *"identical 3000"* ]]'
exit $fail
