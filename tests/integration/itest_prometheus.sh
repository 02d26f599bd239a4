#!/usr/bin/env bash
# itest_prometheus.sh - deploy/prometheus/alerts.yml and deploy/grafana/spider.json
# against a real Prometheus (Debian's /usr/bin/prometheus, a plain process on
# a free loopback port with its own config and TSDB in $tmp, scraping and
# evaluating every second) that scrapes the three services during a short
# run of the pipeline on the local stack (a spider-sim pool through the fake
# condor_q/condor_history -> collector -> Kafka -> differ -> publisher -> both
# clusters and ActiveMQ). Through Prometheus' HTTP API:
#   - every target (spider-collector, spider-differ, spider-publisher) is up;
#   - alerts.yml loads, every rule is evaluated without error, every alert
#     expression is a valid query, and every spider metric an alert names has
#     series in Prometheus (a misspelt metric would make an alert silent);
#   - every panel query of the Grafana dashboard (extracted with jq, Grafana's
#     $__rate_interval as 1m) evaluates without error and returns data; the
#     throughput panel shows documents moving at every stage.
set -uo pipefail
. "$(dirname "$0")/clusters.sh"      # B, ROOT, tmp, check, stop_clean, free_port, delete_indices
T=itprom$$
tpl=$T
pids=()
prom=
cleanup() {
  [ -n "$prom" ] && kill "$prom" 2>/dev/null && wait "$prom" 2>/dev/null
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  for c in os es; do delete_indices "$c" "$tpl-*"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
RULES=$ROOT/deploy/prometheus/alerts.yml
DASH=$ROOT/deploy/grafana/spider.json
metric() {   # metric PORT NAME: the sum of a metric's series
  curl -s "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 ~ "^"n"({|$)" {s += $NF} END {printf "%d", s}'
}
api() { curl -sfG "http://127.0.0.1:$pport/api/v1/$1" "${@:2}"; }
query() { api query --data-urlencode "query=$1"; }   # query EXPR: the API's JSON answer

# 1. The pipeline, as make demo runs it, small and fast: a poll every 3 s.
export PATH="$B/sim-bin:$PATH" SPIDER_SIM_SCHEDDS=3 SPIDER_SIM_JOBS=30 SPIDER_SIM_T0=$(date +%s) \
       SPIDER_SIM_INTERVAL=3 SPIDER_SIM_STEP=clock
cport=$(free_port); dport=$(free_port); pubport=$(free_port)
"$B/spider-collector" run --interval 3 --index-template "$tpl" --topic-queue "$T.queue" --topic-history "$T.history" \
  --checkpoint-file "$tmp/checkpoint.json" --kafka-brokers "$KAFKA_BOOTSTRAP" --metrics-port "$cport" \
  --log-level warn 2>"$tmp/collector.log" &
pids+=($!)
"$B/spider-differ" stream --topic-queue "$T.queue" --topic-changes "$T.changes" --topic-history "$T.history" \
  --lost-grace 6 --amq-brokers "$STOMP_HOST:$STOMP_PORT" --amq-username-file "$tmp/amq_username" \
  --amq-password-file "$tmp/amq_password" --group "$T.differ" --emit-initial --kafka-brokers "$KAFKA_BOOTSTRAP" \
  --metrics-port "$dport" --log-level warn 2>"$tmp/differ.log" &
pids+=($!)
"$B/spider-publisher" run --es-conf "$tmp/es_conf.json" --topics "$T.changes,$T.history" --group "$T.publisher" \
  --deadletter-topic "$T.deadletter" --kafka-brokers "$KAFKA_BOOTSTRAP" --amq-brokers "$STOMP_HOST:$STOMP_PORT" \
  --amq-destination "/topic/spider.$T.jobs" --amq-username-file "$tmp/amq_username" \
  --amq-password-file "$tmp/amq_password" --metrics-port "$pubport" --log-level warn 2>"$tmp/publisher.log" &
pids+=($!)

# 2. Prometheus, its own config and TSDB; the rules file as an operator loads it.
pport=$(free_port)
cat > "$tmp/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $RULES
scrape_configs:
  - job_name: spider-collector
    static_configs: [{targets: ["127.0.0.1:$cport"]}]
  - job_name: spider-differ
    static_configs: [{targets: ["127.0.0.1:$dport"]}]
  - job_name: spider-publisher
    static_configs: [{targets: ["127.0.0.1:$pubport"]}]
YML
check "promtool check config accepts the test's prometheus.yml with alerts.yml" \
  'promtool check config "$tmp/prometheus.yml" >"$tmp/promtool.out" 2>&1 || { cat "$tmp/promtool.out"; false; }'
/usr/bin/prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
  --web.listen-address="127.0.0.1:$pport" --log.level=warn 2>"$tmp/prometheus.log" &
prom=$!
ready=0
for ((i = 0; i < 120; i++)); do curl -sf "http://127.0.0.1:$pport/-/ready" >/dev/null && { ready=1; break; }; sleep 0.5; done
check "Prometheus $(/usr/bin/prometheus --version 2>&1 | awk 'NR == 1 {print $3}') is ready on 127.0.0.1:$pport" \
  '[ $ready = 1 ] || { tail -5 "$tmp/prometheus.log"; false; }'

# 3. Wait until documents went all the way through and Prometheus has at
# least 15 scrapes of each service (so a rate over 1m has points).
moved() {
  [ "$(metric "$cport" spider_collector_cycle_seconds_count)" -ge 3 ] &&
  [ "$(metric "$dport" spider_differ_changes_total)" -gt 0 ] &&
  [ "$(metric "$pubport" spider_publisher_documents_indexed_total)" -gt 0 ] &&
  [ "$(metric "$pubport" spider_publisher_amq_confirmed_total)" -gt 0 ] &&
  [ "$(query 'min(count_over_time(up{job=~"spider-.*"}[1m]))' | jq -r '.data.result[0].value[1] // 0')" -ge 15 ]
}
for ((i = 0; i < 120; i++)); do moved && break; sleep 1; done
check "documents went through collector, differ and publisher, scraped 15 times ($(metric "$cport" spider_collector_documents_total) collected, $(metric "$dport" spider_differ_changes_total) changes, $(metric "$pubport" spider_publisher_documents_indexed_total) indexed, $(metric "$pubport" spider_publisher_amq_confirmed_total) confirmed by ActiveMQ)" moved

# 4. Targets.
api targets > "$tmp/targets.json"
check "every target is up: $(jq -r '[.data.activeTargets[] | "\(.labels.job)=\(.health)"] | join(" ")' "$tmp/targets.json")" \
  '[ "$(jq -r "[.data.activeTargets[] | select(.health == \"up\") | .labels.job] | sort | join(\",\")" "$tmp/targets.json")" = spider-collector,spider-differ,spider-publisher ]'

# 5. Alert rules: loaded, evaluated, valid, watching real series.
python3 -c 'import sys, yaml
for g in yaml.safe_load(open(sys.argv[1]))["groups"]:
    for r in g["rules"]:
        print(r["alert"] + "\t" + " ".join(r["expr"].split()))' "$RULES" > "$tmp/alerts.tsv"
n_alerts=$(wc -l < "$tmp/alerts.tsv")
# Rules are evaluated every second; wait until each has been (evaluationTime set).
for ((i = 0; i < 30; i++)); do
  api rules > "$tmp/rules.json"
  [ "$(jq '[.data.groups[].rules[] | select(.lastEvaluation | startswith("0001") | not)] | length' "$tmp/rules.json")" = "$n_alerts" ] && break
  sleep 1
done
check "Prometheus loaded and evaluated all $n_alerts alerts of alerts.yml" \
  '[ "$(jq "[.data.groups[].rules[] | select(.type == \"alerting\" and (.lastEvaluation | startswith(\"0001\") | not))] | length" "$tmp/rules.json")" = "$n_alerts" ]'
bad=$(jq -r '.data.groups[].rules[] | select(.health != "ok") | "\(.name): \(.health) \(.lastError)"' "$tmp/rules.json")
check "every rule's health is ok (no evaluation error)${bad:+: $bad}" '[ -z "$bad" ]'
echo "  alert states: $(jq -r '[.data.groups[].rules[] | "\(.name)=\(.state)"] | join(" ")' "$tmp/rules.json")"
bad=
while IFS=$'\t' read -r name expr; do
  query "$expr" > "$tmp/q.json" && [ "$(jq -r .status "$tmp/q.json")" = success ] || bad="$bad $name"
done < "$tmp/alerts.tsv"
check "every alert expression evaluates through /api/v1/query" '[ -z "$bad" ] || { echo "  failed:$bad"; false; }'
missing=
for m in $(cut -f2 "$tmp/alerts.tsv" | grep -oE '\bspider_[a-z_]+' | sort -u); do
  [ "$(query "count($m)" | jq -r '.data.result[0].value[1] // 0')" -gt 0 ] || missing="$missing $m"
done
check "every spider metric the alerts name has series in Prometheus ($(cut -f2 "$tmp/alerts.tsv" | grep -oE '\bspider_[a-z_]+' | sort -u | wc -l) metrics)" \
  '[ -z "$missing" ] || { echo "  no series:$missing"; false; }'
check "up{job=~\"spider-.*\"} (SpiderServiceDown) has the three services" \
  '[ "$(query "count(up{job=~\"spider-.*\"} == 1)" | jq -r ".data.result[0].value[1]")" = 3 ]'

# 6. The Grafana dashboard: valid JSON, its datasource a variable, and every
# panel query evaluates and returns data.
check "spider.json is JSON with a title, a uid and unique panel ids" \
  'jq -e "(.title | length > 0) and (.uid | length > 0) and ([.. | objects | select(has(\"gridPos\")) | .id] | length == (unique | length))" "$DASH" >/dev/null'
check "its datasource is the variable \${datasource} (type datasource, prometheus), on every panel and target" \
  'jq -e "(.templating.list | map(select(.name == \"datasource\" and .type == \"datasource\" and .query == \"prometheus\")) | length == 1)
          and ([.. | objects | select(has(\"targets\")) | .datasource.uid, .targets[].datasource.uid] | all(. == \"\${datasource}\"))" "$DASH" >/dev/null'
jq -r '.. | objects | select(has("targets")) | .title as $t | .targets[] | "\($t)\t\(.expr)"' "$DASH" > "$tmp/panels.tsv"
n_exprs=$(wc -l < "$tmp/panels.tsv")
bad=; empty=
while IFS=$'\t' read -r title expr; do
  e=${expr//\$__rate_interval/1m}
  query "$e" > "$tmp/q.json" && [ "$(jq -r .status "$tmp/q.json")" = success ] || { bad="$bad [$title] $e;"; continue; }
  [ "$(jq '.data.result | length' "$tmp/q.json")" -gt 0 ] || empty="$empty [$title] $e;"
  printf '  %-44s %3d series  %s\n' "$title" "$(jq '.data.result | length' "$tmp/q.json")" "$e"
done < "$tmp/panels.tsv"
check "the dashboard has queries for every panel ($n_exprs)" '[ "$n_exprs" -ge 20 ] && ! grep -q "\$[a-z]" <(cut -f2 "$tmp/panels.tsv" | sed "s/\$__rate_interval//g")'
check "every dashboard query evaluates without error" '[ -z "$bad" ] || { echo "  failed:$bad"; false; }'
check "every dashboard query returns data" '[ -z "$empty" ] || { echo "  empty:$empty"; false; }'
# The throughput panel: each stage's documents per second above 0.
grep -P '^Documents per second at each stage\t' "$tmp/panels.tsv" | cut -f2 > "$tmp/stages"
check "the throughput panel has the four stages" '[ "$(wc -l < "$tmp/stages")" = 4 ]'
while read -r expr; do
  e=${expr//\$__rate_interval/1m}
  vals=$(query "$e" | jq -r '[.data.result[] | "\(.metric | to_entries | map(.value) | join(",")):\(.value[1] | tonumber * 100 | round / 100)"] | join(" ")')
  check "documents moving: $e -> ${vals:-nothing}" '[ -n "$vals" ] && ! grep -qE ":0(\.0*)?( |$)" <<<"$vals"'
done < "$tmp/stages"

for i in 0 1 2; do
  name=$(echo collector differ publisher | cut -d' ' -f$((i + 1)))
  check "spider-$name stops cleanly (exit 0, no sanitizer report)" 'stop_clean "${pids[$i]}" "$tmp/$name.log"'
done
pids=()
exit $fail
