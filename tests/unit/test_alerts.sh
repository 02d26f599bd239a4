#!/usr/bin/env bash
# test_alerts.sh - deploy/prometheus/alerts.yml with Debian's promtool:
# `promtool check rules` accepts it, `promtool test rules` passes
# alerts_test.yml, every alert has a case where it fires and one where it
# stays silent there, and every metric an alert uses is one the code registers
# (sp_metrics_counter/gauge/histogram in services/ and lib/), so a rename
# fails here. A missing promtool is a failure (deploy/install-deps.sh).
set -uo pipefail
ROOT=${SPIDER_SOURCE_DIR:?}
DIR=$ROOT/deploy/prometheus
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }

check "promtool is installed (Debian's prometheus)" 'command -v promtool >/dev/null'
check "promtool check rules alerts.yml" 'promtool check rules "$DIR/alerts.yml"'
check "promtool test rules alerts_test.yml" '(cd "$DIR" && promtool test rules alerts_test.yml)'

# Each alert: at least one eval with exp_alerts: [] and one with alerts.
check "every alert fires and stays silent in alerts_test.yml" 'python3 - "$DIR" <<"PY"
import sys, yaml
d = sys.argv[1]
rules = yaml.safe_load(open(d + "/alerts.yml"))
tests = yaml.safe_load(open(d + "/alerts_test.yml"))
names = [r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r]
fires, silent = set(), set()
for t in tests["tests"]:
    for c in t.get("alert_rule_test", []):
        (fires if c.get("exp_alerts") else silent).add(c["alertname"])
bad = 0
for n in names:
    for what, s in (("firing", fires), ("not firing", silent)):
        if n not in s:
            print("  %s has no %s case" % (n, what)); bad = 1
unknown = (fires | silent) - set(names)
if unknown:
    print("  tests name unknown alerts: %s" % sorted(unknown)); bad = 1
if len(names) < 10:
    print("  only %d alerts" % len(names)); bad = 1
sys.exit(bad)
PY'

# Metric names: registered in code vs used in alert expressions.
registered=$(grep -rhoE 'sp_metrics_(counter|gauge|histogram)\([^,]*, *"[a-z_:]+"' "$ROOT/services" "$ROOT/lib" |
  grep -oE '"[a-z_:]+"' | tr -d '"' | sort -u)
check "the code registers metrics (grep found $(wc -w <<<"$registered"))" '[ "$(wc -w <<<"$registered")" -ge 20 ]'
used=$(python3 -c '
import sys, yaml
for g in yaml.safe_load(open(sys.argv[1]))["groups"]:
    for r in g["rules"]:
        print(r["expr"])' "$DIR/alerts.yml" | grep -oE '\bspider_[a-z_]+' | sort -u)
check "alerts use spider metrics" '[ -n "$used" ]'
for m in $used; do
  base=$m
  case $m in *_bucket|*_sum|*_count) base=${m%_*} ;; esac
  check "alert metric $m is registered by the code" 'grep -qx -- "$m" <<<"$registered" || grep -qx -- "$base" <<<"$registered"'
done
check "alerts use up{job=~\"spider-.*\"} for a service down" 'grep -q "up{job=~\"spider-\.\*\"} == 0" "$DIR/alerts.yml"'
exit $fail
