#!/usr/bin/env bash
# test_compare_html.sh - spider-differ compare --html, rendered by a real
# browser (Debian's chromium, headless): a compare with planted mismatches
# (a changed field, a 7-hour date shift plus stray deltas, a field whose
# name holds < > & " ', values holding markup) and a compare that passes.
# For each: a screenshot that is a real PNG of the window size with more in
# it than a blank page's, and the numbers of the rendered DOM (--dump-dom:
# ids and data- attributes) equal to the JSON report's (jq): counts,
# verdict, failed criteria, per-field counts, date deltas, examples. The
# markup in names and values must stay text: no element comes from them.
# The pages and screenshots stay in $SPIDER_BUILD_DIR/tests/compare_html/.
set -uo pipefail
B=${SPIDER_BUILD_DIR:?}
D="$B/spider-differ"
OUT="$B/tests/compare_html"
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$OUT"
command -v chromium >/dev/null || { echo "FAIL: chromium is not installed (deploy/install-deps.sh)"; exit 1; }
W=1200 H=2200
chrome() { chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$tmp/profile" \
                    --window-size=$W,$H "$@" 2>"$tmp/chromium.log"; }
screenshot() { chrome --screenshot="$2" "file://$1" >/dev/null; }
dom() { chrome --dump-dom "file://$1" >"$2"; }

# 3000 documents; on the right: one missing (11), Site changed in 12 with
# markup in the value, QDate shifted +7 h in 39 and by a stray delta in 59
# more (beyond the 32 distinct deltas kept: "other"), the odd-named field
# changed in 6, the field named like a closing title tag in 3.
NAME='a<b>&"c'"'"' d'                      # the field's name; in JSON: a<b>&\"c' d
export ODD=${NAME//\"/\\\"} EVIL='</title><script>alert(1)</script>'
awk -v l="$tmp/l.jsonl" -v r="$tmp/r.jsonl" 'BEGIN {
  odd = ENVIRON["ODD"]; evil = ENVIRON["EVIL"]
  fmt = "{\"GlobalJobId\": \"s#%d.0#1\", \"RecordTime\": %d, \"QDate\": %d, \"Site\": \"%s\", \"%s\": %d, \"%s\": \"%s\"}\n"
  for (i = 0; i < 3000; i++) {
    site = "T2_CH_CERN"; q = 1763790000 + i; v = i; e = "x"
    printf fmt, i, 1763800000 + i, q, site, odd, v, evil, e > l
    if (i == 11) continue
    if (i % 250 == 3) site = "T1_US_<b>FNAL</b>&amp;<img src=x onerror=alert(1)>"
    if (i < 40) q += 25200; else if (i % 50 == 7) q += i
    if (i % 500 == 1) v = i + 1
    if (i % 1000 == 5) e = "<script>alert(2)</script>"
    printf fmt, i, 1763800000 + i, q, site, odd, v, evil, e > r
  }
}'

# The rendered page's numbers, one per line, in the form the jq below
# writes from the JSON report: "name value" (attribute values decoded).
decode() { sed "s/&quot;/\"/g; s/&#39;/'/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\\&/g"; }
attr() { grep -o " $1=\"[^\"]*\"" | head -1 | sed "s/^ $1=\"//; s/\"\$//" | decode; }
page_numbers() {
  local f=$1 id
  for id in left_count right_count matched identical only_left only_right bad_left bad_right duplicate_left duplicate_right; do
    echo "$id $(grep -o "id=\"$id\"[^>]*>" "$f" | attr data-value)"
  done
  echo "pass $(grep -o '<section id="verdict"[^>]*>' "$f" | attr data-pass)"
  echo "decided $(grep -o '<p id="decided"[^>]*>' "$f" | attr data-criterion)"
  grep -o '<li class="failed"[^>]*>' "$f" | while read -r l; do echo "failed $(attr data-criterion <<<"$l")"; done
  echo "fields $(grep -o '<p id="fields"[^>]*>' "$f" | attr data-value)"
  grep -o '<g class="field"[^>]*>' "$f" | while read -r l; do
    echo "field $(attr data-field <<<"$l") $(attr data-count <<<"$l") $(attr data-raw-count <<<"$l")"
  done
  # each delta bar after its field's histogram
  grep -o '<svg class="deltas"[^>]*>\|<g class="delta"[^>]*>\|<g class="delta other"[^>]*>' "$f" | while read -r l; do
    case $l in
    '<svg'*) field=$(attr data-field <<<"$l"); echo "other $field $(attr data-other-deltas <<<"$l")" ;;
    *other*) echo "otherbar $field $(attr data-count <<<"$l")" ;;
    *) echo "delta $field $(attr data-delta <<<"$l") $(attr data-count <<<"$l")" ;;
    esac
  done
  grep -o '<table class="examples"[^>]*>' "$f" | while read -r l; do
    echo "examples $(attr data-field <<<"$l") $(attr data-examples <<<"$l")"
  done
  for s in left right; do
    echo "only_${s}_examples $(grep -o "<ul id=\"only_${s}_examples\"[^>]*>" "$f" | attr data-examples)"
  done
}
json_numbers() {
  jq -r '
    (["left_count","right_count","matched","identical","only_left","only_right",
      "bad_left","bad_right","duplicate_left","duplicate_right"][] as $k | "\($k) \(.[$k])"),
    "pass \(.pass)",
    "decided \(.failed[0].criterion // "")",
    (.failed[] | "failed \(.criterion)"),
    "fields \(.mismatches | length)",
    (.mismatches[] | "field \(.field) \(.count) \(.raw_count)"),
    (.mismatches[] | select((.deltas | length) > 0 or .other_deltas > 0) | . as $m |
       "other \($m.field) \($m.other_deltas)",
       ($m.deltas | sort_by(.delta)[] | "delta \($m.field) \(.delta) \(.count)"),
       (if $m.other_deltas > 0 then "otherbar \($m.field) \($m.other_deltas)" else empty end)),
    (.mismatches[] | select((.examples | length) > 0) | "examples \(.field) \(.examples | length)"),
    "only_left_examples \(.only_left_examples | length)",
    "only_right_examples \(.only_right_examples | length)"' "$1"
}

# A PNG (signature), of the window's size, and fuller than a blank page's.
echo '<!DOCTYPE html><html><body></body></html>' >"$tmp/blank.html"
screenshot "$tmp/blank.html" "$tmp/blank.png"
blank=$(stat -c %s "$tmp/blank.png" 2>/dev/null || echo 0)
png_ok() {
  local f=$1 size sig dims
  [ -s "$f" ] || return 1
  size=$(stat -c %s "$f")
  sig=$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')
  dims=$(od -An -tu1 -j16 -N8 "$f" | awk '{ printf "%d %d", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }')
  echo "  $f: $size bytes ($dims), blank page $blank bytes"
  [ "$sig" = 89504e470d0a1a0a ] && [ "$dims" = "$W $H" ] && [ "$blank" -gt 0 ] && [ "$size" -gt $((3 * blank)) ]
}

# ---- a compare that fails ----
"$D" compare "$tmp/l.jsonl" "$tmp/r.jsonl" --report "$OUT/report.json" --html "$OUT/report.html" --log-level warn >/dev/null
rc=$?
check "planted mismatches: compare fails (exit 1) and writes both reports" '[ $rc -eq 1 ] && [ -s "$OUT/report.json" ] && [ -s "$OUT/report.html" ]'
check "the page is self-contained: no link, script, img or iframe element, no url( or @import" \
  '! grep -Eiq "<(link|script|img|iframe)|url\\(|@import" "$OUT/report.html"'
screenshot "$OUT/report.html" "$OUT/report.png"
check "the failing page renders to a non-trivial PNG ($OUT/report.png)" 'png_ok "$OUT/report.png"'
dom "$OUT/report.html" "$OUT/report.dom.html"
page_numbers "$OUT/report.dom.html" >"$OUT/report.page.txt"
json_numbers "$OUT/report.json" >"$OUT/report.json.txt"
check "the rendered page's numbers equal the JSON report's ($(wc -l <"$OUT/report.json.txt") lines)" \
  'diff "$OUT/report.json.txt" "$OUT/report.page.txt"'
check "the planted mismatches are there (Site 12, the odd name 6, QDate shift 39 + 59 stray, 28 beyond the 32 deltas kept)" \
  'grep -qx "field Site 12 12" "$OUT/report.page.txt" && grep -qxF "field $NAME 6 6" "$OUT/report.page.txt" &&
   grep -qx "field QDate 59 98" "$OUT/report.page.txt" && grep -qx "otherbar QDate 28" "$OUT/report.page.txt" && grep -qx "delta QDate 25200 39" "$OUT/report.page.txt" &&
   grep -qx "decided identical share" "$OUT/report.page.txt" && grep -qx "pass false" "$OUT/report.page.txt"'
check "markup in field names and values stays text: no script/img element, one <b> (the verdict's)" \
  '! grep -qi "<script\|<img" "$OUT/report.dom.html" && [ "$(grep -o "<b>" "$OUT/report.dom.html" | wc -l)" -eq 1 ]'
check "the page title is the verdict and the inputs, not cut short by a name" \
  'grep -q "<title>spider-differ compare: FAIL" "$OUT/report.dom.html"'

# ---- a compare that passes ----
"$D" compare "$tmp/l.jsonl" "$tmp/l.jsonl" --report "$OUT/pass.json" --html "$OUT/pass.html" --log-level warn >/dev/null
rc=$?
check "identical inputs: compare passes (exit 0)" '[ $rc -eq 0 ]'
screenshot "$OUT/pass.html" "$OUT/pass.png"
check "the passing page renders to a non-trivial PNG ($OUT/pass.png)" 'png_ok "$OUT/pass.png"'
dom "$OUT/pass.html" "$OUT/pass.dom.html"
page_numbers "$OUT/pass.dom.html" >"$OUT/pass.page.txt"
json_numbers "$OUT/pass.json" >"$OUT/pass.json.txt"
check "the passing page's numbers equal the JSON report's" 'diff "$OUT/pass.json.txt" "$OUT/pass.page.txt"'
check "it says PASS, decided by nothing, no field differs" \
  'grep -qx "pass true" "$OUT/pass.page.txt" && grep -qx "decided " "$OUT/pass.page.txt" &&
   grep -qx "fields 0" "$OUT/pass.page.txt" && ! grep -q "^failed" "$OUT/pass.page.txt"'

# ---- merge writes the page too, from the merged report ----
for p in 0 1; do
  "$D" compare "$tmp/l.jsonl" "$tmp/r.jsonl" --parcel-id $p --parcel-count 2 --report "$tmp/p$p.json" --log-level warn >/dev/null
done
"$D" merge "$tmp/p0.json" "$tmp/p1.json" --report "$tmp/merged.json" --html "$tmp/merged.html" --log-level warn >/dev/null
dom "$tmp/merged.html" "$tmp/merged.dom.html"
check "merge --html: the merged page's numbers equal the merged JSON's" \
  'diff <(json_numbers "$tmp/merged.json") <(page_numbers "$tmp/merged.dom.html")'

out=$("$D" compare "$tmp/l.jsonl" "$tmp/l.jsonl" --html "$tmp/no/such/dir/r.html" --log-level warn 2>&1); rc=$?
check "an unwritable --html is exit 2 and named" '[ $rc -eq 2 ] && [[ $out == *"no/such/dir/r.html"* ]]'
[ $fail -eq 0 ] || { echo "chromium's log:"; tail -5 "$tmp/chromium.log"; }
echo "screenshots: $OUT/report.png $OUT/pass.png"
exit $fail
