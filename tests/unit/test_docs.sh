#!/usr/bin/env bash
# test_docs.sh - docs/operations.md agrees with the programs: its generated
# configuration reference and metrics list are what docs/gen-reference.sh
# makes from the built programs' --help and the sources (a new option or
# metric fails here until the doc is regenerated with --write), and, checked
# independently of the generator, every flag of every --help and every
# metric registered in the code is in the doc. README links the doc.
set -uo pipefail
ROOT=${SPIDER_SOURCE_DIR:?}
BUILD=${SPIDER_BUILD_DIR:-$ROOT/build}
DOC=$ROOT/docs/operations.md
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }

out=$("$ROOT/docs/gen-reference.sh" --check "$BUILD" 2>&1); rc=$?
check "generated sections match --help and the sources (docs/gen-reference.sh --check)" '[ $rc -eq 0 ]'
[ $rc -eq 0 ] || echo "$out" | head -40

for p in spider-collector spider-differ spider-publisher spider-sim; do
  mapfile -t flags < <("$BUILD/$p" --help | sed -n '/^Options/,$p' | grep -oE '^ +(-[a-zA-Z], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+')
  section=$(sed -n "/^<!-- BEGIN GENERATED: config-$p -->\$/,/^<!-- END GENERATED: config-$p -->\$/p" "$DOC")
  missing=()
  for f in "${flags[@]}"; do grep -qF -- "| \`$f" <<<"$section" || missing+=("$f"); done
  check "$p: all ${#flags[@]} flags of --help in its section${missing[*]:+ (missing: ${missing[*]})}" '[ ${#flags[@]} -gt 5 ] && [ ${#missing[@]} -eq 0 ]'
done

mapfile -t metrics < <(cd "$ROOT" && grep -rhoE --include='*.c' 'sp_metrics_(counter|gauge|histogram)\([^"]*"[a-z_]+"' services lib tools | grep -oE '"[a-z_]+"$' | tr -d '"' | sort -u)
# (lib/metrics.c defines the three functions and registers the standard metrics)
calls=$(cd "$ROOT" && grep -rhE --include='*.c' 'sp_metrics_(counter|gauge|histogram)\(' services lib tools | grep -v '^sp_metric \*sp_metrics_' | grep -cv '^\s*\(//\|\*\)')
missing=()
for m in "${metrics[@]}"; do grep -qF "| \`$m\` |" "$DOC" || missing+=("$m"); done
check "every metric registered in the code is listed (${#metrics[@]} names, ${calls} calls)${missing[*]:+; missing: ${missing[*]}}" \
  '[ ${#metrics[@]} -gt 0 ] && [ ${#metrics[@]} -eq "$calls" ] && [ ${#missing[@]} -eq 0 ]'
rows=$(sed -n '/^<!-- BEGIN GENERATED: metrics -->$/,/^<!-- END GENERATED: metrics -->$/p' "$DOC" | grep -cE '^\| `(spider|process)_')
check "the metrics table has one row per metric ($rows)" '[ "$rows" -eq ${#metrics[@]} ]'
check "README links docs/operations.md" 'grep -q "(docs/operations.md)" "$ROOT/README.md"'
exit $fail
