#!/usr/bin/env bash
# test_systemd.sh - deploy/systemd units and deploy/cron lines, offline:
# `systemd-analyze verify` accepts every unit (unknown keys, bad values and a
# missing binary are errors: the units are checked against build/ binaries),
# `systemd-analyze security --offline` rates each one OK (exposure <= 2.0),
# every unit carries the hardening the deployment promises, each ExecStart
# uses a command and flags the program's --help lists, and the cron lines
# have five time fields, a user and real flags (the reference's */12 and
# 5-59/12 schedule).
set -uo pipefail
ROOT=${SPIDER_SOURCE_DIR:?}
BUILD=${SPIDER_BUILD_DIR:-$ROOT/build}
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# The flags a program's --help lists, and its commands.
flags_ok() { # program args... -> 0 when every --flag is in its --help
  local prog=$1 a help; shift
  help=$("$BUILD/$prog" --help)
  for a in "$@"; do
    case $a in --*) a=${a%%=*}; grep -q -- "${a}[ =\[]" <<<"$help" || { echo "  unknown flag $a for $prog"; return 1; } ;; esac
  done
}
command_ok() { # program command
  local cmds
  cmds=$("$BUILD/$1" --help | awk '/^Commands:/{c=1;next} c&&/^[^ ]/{exit} c')
  grep -Eq "^  $2( |$)" <<<"$cmds"
}

units=()
for f in "$ROOT"/deploy/systemd/*.service; do
  u=$(basename "$f")
  sed "s|/usr/local/bin/|$BUILD/|g" "$f" >"$tmp/$u"
  case $u in *@.service) units+=("${u%@.service}@test.service") ;; *) units+=("$u") ;; esac
done
check "units found (${#units[@]})" '[ ${#units[@]} -ge 4 ]'
check "a template for several instances" 'ls "$ROOT"/deploy/systemd/spider-publisher@.service >/dev/null'
for p in collector differ publisher; do
  check "a unit for spider-$p" '[ -f "$ROOT/deploy/systemd/spider-$p.service" ]'
done
out=$(cd "$tmp" && systemd-analyze verify --man=no --generators=no "${units[@]}" 2>&1); rc=$?
check "systemd-analyze verify: every unit, no warning" '[ $rc -eq 0 ] && [ -z "$out" ]'
[ -z "$out" ] || echo "$out"
for u in "${units[@]}"; do
  s=$(cd "$tmp" && systemd-analyze security --offline=yes --threshold=20 --no-pager "$u" 2>&1); rc=$?
  check "$u: systemd-analyze security exposure <= 2.0 ($(grep -o 'exposure level[^:]*: [0-9.]*' <<<"$s" | awk '{print $NF}'))" '[ $rc -eq 0 ]'
done
for f in "$ROOT"/deploy/systemd/*.service; do
  u=$(basename "$f")
  for k in User=spider NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
           ReadWritePaths=/var/lib/spider StateDirectory=spider "CapabilityBoundingSet=" Restart=on-failure; do
    check "$u: $k" 'grep -qx "$k" "$f"'
  done
  check "$u: EnvironmentFile /etc/spider/spider.env" 'grep -qx "EnvironmentFile=-/etc/spider/spider.env" "$f"'
  exec_line=$(sed -n 's/^ExecStart=//p' "$f")
  read -r -a words <<<"$exec_line"
  prog=$(basename "${words[0]}")
  check "$u: ExecStart runs $prog ${words[1]:-}, a command it has" 'command_ok "$prog" "${words[1]:-}"'
  check "$u: ExecStart flags exist" 'flags_ok "$prog" "${words[@]:1}"'
done
# The example /etc/spider (deploy/etc/spider): each unit's --config file is
# there and the program loads it; the files it names are in the layout of
# docs/operations.md; spider.env sets only variables every program knows.
ETC=$ROOT/deploy/etc/spider
for f in "$ROOT"/deploy/systemd/*.service; do
  case $f in *@.service) continue ;; esac
  exec_line=$(sed -n 's/^ExecStart=//p' "$f")
  read -r -a words <<<"$exec_line"
  prog=$(basename "${words[0]}")
  conf=""
  for ((i = 0; i < ${#words[@]}; i++)); do [ "${words[$i]}" = --config ] && conf=${words[$((i + 1))]}; done
  ex=$ETC/${conf#/etc/spider/}
  check "$(basename "$f"): --config $conf has an example in deploy/etc/spider" '[ "${conf%/*}" = /etc/spider ] && [ -f "$ex" ]'
  [ -f "$ex" ] || continue
  err=$("$BUILD/$prog" --config "$ex" 2>&1)
  check "deploy/etc/spider/$(basename "$ex") loads in $prog" 'grep -q "missing COMMAND" <<<"$err"'
  grep -q "missing COMMAND" <<<"$err" || echo "  $err"
done
while read -r path; do
  case $path in
    /etc/spider/credentials/*|/var/lib/spider/*) ok=1 ;;
    /etc/spider/*) [ -f "$ETC/${path#/etc/spider/}" ] && ok=1 || ok=0 ;;
    *) ok=0 ;;
  esac
  check "example path $path is in the layout (and in deploy/etc/spider when under /etc/spider)" '[ $ok -eq 1 ]'
done < <(grep -ohE '"/(etc|var|usr|opt|home|srv)/[^"]+"' "$ETC"/*.json | tr -d '"' | sort -u)
for v in $(grep -oE '^[A-Z_]+=' "$ETC/spider.env" | tr -d =); do
  for prog in spider-collector spider-differ spider-publisher; do
    h=$("$BUILD/$prog" --help)
    check "spider.env: $v is a variable of $prog" 'grep -qE "env $v[],]" <<<"$h"'
  done
done

# The metrics ports of the units are stack.env's.
set -a; . "$ROOT/deploy/local/stack.env"; set +a
check "collector unit on COLLECTOR_METRICS_PORT" 'grep -qx "Environment=SPIDER_METRICS_PORT=$COLLECTOR_METRICS_PORT" "$ROOT/deploy/systemd/spider-collector.service"'
check "differ unit on DIFFER_METRICS_PORT" 'grep -qx "Environment=SPIDER_METRICS_PORT=$DIFFER_METRICS_PORT" "$ROOT/deploy/systemd/spider-differ.service"'
check "publisher unit on PUBLISHER_METRICS_PORT" 'grep -qx "Environment=SPIDER_METRICS_PORT=$PUBLISHER_METRICS_PORT" "$ROOT/deploy/systemd/spider-publisher.service"'

# cron: "m h dom mon dow user command", the reference's schedule, --once.
cron=$ROOT/deploy/cron/spider-collector.cron
lines=$(grep -Ev '^\s*(#|$|[A-Z]+=)' "$cron")
check "cron: two lines" '[ "$(wc -l <<<"$lines")" -eq 2 ]'
check "cron: queues every 12 minutes" 'grep -q "^\*/12 .*--process-history=false" <<<"$lines"'
check "cron: history at 5-59/12" 'grep -q "^5-59/12 .*--process-queue=false" <<<"$lines"'
while read -r m h dom mon dow user cmd; do
  tf=("$m" "$h" "$dom" "$mon" "$dow")
  check "cron: time fields of '$m $h $dom $mon $dow'" 'for t in "${tf[@]}"; do [[ $t =~ ^[0-9*/,-]+$ ]] || exit 1; done'
  check "cron: runs as user spider" '[ "$user" = spider ]'
  read -r -a words <<<"${cmd%%>>*}"
  i=0; while [ "${words[$i]}" != spider-collector ] && [ $i -lt ${#words[@]} ]; do i=$((i + 1)); done
  check "cron: spider-collector run --once" '[ "${words[$((i + 1))]}" = run ] && [[ " ${words[*]} " == *" --once "* ]]'
  check "cron: its flags exist" 'flags_ok spider-collector "${words[@]:$((i + 1))}"'
done <<<"$lines"
exit $fail
