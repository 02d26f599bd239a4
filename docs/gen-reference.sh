#!/usr/bin/env bash
# gen-reference.sh - the generated parts of docs/operations.md: the
# configuration reference of each program (from its own --help: every flag,
# config-file key, environment variable and default) and the metrics list
# (from the sp_metrics_counter/gauge/histogram calls in services/, lib/ and
# tools/, labels resolved from their static arrays).
#
#   docs/gen-reference.sh [BUILD_DIR]           print the doc with fresh sections
#   docs/gen-reference.sh --write [BUILD_DIR]   rewrite docs/operations.md
#   docs/gen-reference.sh --check [BUILD_DIR]   exit 1 (with a diff) when it is stale
#
# Each section sits between "<!-- BEGIN GENERATED: NAME -->" and
# "<!-- END GENERATED: NAME -->"; the text around them is written by hand.
# tests/unit/test_docs.sh runs --check, so a new option or metric that is
# not in the doc fails the unit tests until this is run with --write.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mode=print
case ${1:-} in --write) mode=write; shift ;; --check) mode=check; shift ;; esac
BUILD=${1:-${SPIDER_BUILD_DIR:-$ROOT/build}}
DOC=$ROOT/docs/operations.md
PROGRAMS="spider-collector spider-differ spider-publisher spider-sim"

# The reference of one program: its usage and commands as --help prints them,
# then one table row per option.
config_section() {
  local prog=$1 help
  help=$("$BUILD/$prog" --help) || { echo "gen-reference: $BUILD/$prog --help failed" >&2; exit 2; }
  echo '```'
  awk '/^Options/{exit} {print}' <<<"$help" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
  echo '```'
  echo
  echo '| flag | config key | environment | default | what it does |'
  echo '| --- | --- | --- | --- | --- |'
  awk '
    function cell(s) { gsub(/\|/, "\\|", s); return s }
    function flush() {
      if (flag == "") return
      d = has_default ? (def == "" ? "(empty)" : "`" def "`") : "(none)"
      printf "| `%s` | %s | %s | %s | %s |\n", flag, key == "" ? "—" : "`" key "`", env == "" ? "—" : "`" env "`", d, cell(desc)
      flag = ""
    }
    /^Options/ { on = 1; next }
    !on { next }
    /^ +\[key / {
      line = $0; sub(/^ +\[/, "", line); sub(/\]$/, "", line)
      n = split(line, parts, ", ")
      key = parts[1]; sub(/^key /, "", key)
      env = parts[2]; sub(/^env /, "", env)
      has_default = 0
      if (n >= 3 && parts[3] ~ /^default/) {
        has_default = 1
        def = line; sub(/^[^,]*, [^,]*, default ?/, "", def)
      }
      next
    }
    /^ +-/ {
      flush()
      line = $0; sub(/^ +/, "", line)
      if (line ~ /^-[a-zA-Z], /) line = substr(line, 5)
      # the flag with its argument, then the description after 2+ spaces
      # (or 1 space when the flag is too long for the column)
      if (match(line, /^--[a-z0-9.-]+(\[=false\])?( (TEXT|N|FILE|A,B|KEY=VALUE))?/)) {
        flag = substr(line, 1, RLENGTH); desc = substr(line, RLENGTH + 1); sub(/^ +/, "", desc)
      }
      key = ""; env = ""; def = ""; has_default = 0
      if (match(desc, /\(env [A-Z_]+\)$/)) {
        env = substr(desc, RSTART + 5, RLENGTH - 6); desc = substr(desc, 1, RSTART - 1); sub(/ +$/, "", desc)
      }
      next
    }
    END { flush() }
  ' <<<"$help"
}

# Every metric registered in the sources: name, type, labels, help.
metrics_section() {
  echo '| metric | type | labels | what it counts | where |'
  echo '| --- | --- | --- | --- | --- |'
  local f
  for f in $(cd "$ROOT" && grep -rlE 'sp_metrics_(counter|gauge|histogram)\(' services lib tools --include='*.c' | sort); do
    awk -v file="$f" '
      # static const char *const NAME[] = { "a", "b", NULL } (several per line)
      {
        line = $0
        while (match(line, /[A-Za-z_][A-Za-z0-9_]*\[\] = \{[^}]*\}/)) {
          decl = substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH)
          name = decl; sub(/\[\].*/, "", name)
          body = decl; sub(/^[^{]*\{/, "", body); sub(/\}$/, "", body)
          labels = ""
          while (match(body, /"[^"]*"/)) {
            labels = labels (labels == "" ? "" : ", ") "`" substr(body, RSTART + 1, RLENGTH - 2) "`"
            body = substr(body, RSTART + RLENGTH)
          }
          lab[name] = labels
        }
      }
      /sp_metrics_(counter|gauge|histogram)\(/ {
        call = $0; sub(/.*sp_metrics_/, "", call)
        type = call; sub(/\(.*/, "", type)
        if (!match(call, /"[^"]*", "[^"]*"/)) next
        pair = substr(call, RSTART, RLENGTH); rest = substr(call, RSTART + RLENGTH)
        metric = pair; sub(/^"/, "", metric); sub(/".*/, "", metric)
        helptext = pair; sub(/^"[^"]*", "/, "", helptext); sub(/"$/, "", helptext)
        sub(/^, */, "", rest); lv = rest; sub(/[,)].*/, "", lv)
        labels = (lv == "NULL") ? "" : lab[lv]
        gsub(/\|/, "\\|", helptext)
        printf "| `%s` | %s | %s | %s | `%s` |\n", metric, type, labels == "" ? "—" : labels, helptext, file
      }
    ' "$ROOT/$f"
  done | sort -t'|' -k2,2
}

section() {
  case $1 in
    config-*) config_section "${1#config-}" ;;
    metrics) metrics_section ;;
    *) echo "gen-reference: unknown section $1" >&2; exit 2 ;;
  esac
}

# The doc with every generated section replaced.
render() {
  local out="" line name in=0
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line =~ ^\<!--\ BEGIN\ GENERATED:\ ([a-z-]+)\ --\>$ ]]; then
      name=${BASH_REMATCH[1]}; in=1
      printf '%s\n' "$line"
      section "$name"
      continue
    fi
    if [[ $line =~ ^\<!--\ END\ GENERATED: ]]; then in=0; fi
    [ $in -eq 1 ] || printf '%s\n' "$line"
  done <"$DOC"
}

new=$(render)
for p in $PROGRAMS; do
  grep -q "^<!-- BEGIN GENERATED: config-$p -->\$" "$DOC" || { echo "gen-reference: $DOC has no section config-$p" >&2; exit 1; }
done
grep -q '^<!-- BEGIN GENERATED: metrics -->$' "$DOC" || { echo "gen-reference: $DOC has no section metrics" >&2; exit 1; }
case $mode in
  print) printf '%s\n' "$new" ;;
  write) printf '%s\n' "$new" >"$DOC" ;;
  check)
    if ! diff -u "$DOC" <(printf '%s\n' "$new") >&2; then
      echo "gen-reference: docs/operations.md disagrees with the programs' --help or metrics (above: - the doc, + the programs); run docs/gen-reference.sh --write" >&2
      exit 1
    fi ;;
esac
