#!/usr/bin/env bash
# itest_publish_stall.sh - a stall is never silent, a configuration error is
# an error at start (issue 13, case 3), on the real stack:
#   - a cluster that is down (a closed loopback port) next to Elasticsearch:
#     Elasticsearch gets every document; the dead cluster's output shows its
#     stall (spider_publisher_stalled_seconds growing), its lag from
#     committed offsets (all the documents), every retried request counted;
#     /readyz says 503 naming it, /healthz stays 200 (alive);
#   - Kafka unreachable (a closed loopback port): /readyz 503 naming the
#     brokers, /healthz 200;
#   - a wrong CA for OpenSearch, a wrong password, a bad --index-template:
#     the publisher exits non-zero at once, naming the cluster and the cause;
#   - the largest body per cluster is the cluster's own http.max_content_length.
set -uo pipefail
. "$(dirname "$0")/clusters.sh"      # B, ROOT, tmp, check, count, wait_count, OS_NAME, ES_NAME
T=itstall$$
tpl=$T
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  delete_indices es "$tpl-*"
  rm -rf "$tmp"
}
trap cleanup EXIT
K=(-b "$KAFKA_BOOTSTRAP")
metric() {   # metric PORT NAME LABELS
  curl -s "http://127.0.0.1:$1/metrics" | awk -v n="$2" -v l="$3" 'index($0, n "{" l "}") == 1 {v = $NF} END {print v + 0}'
}
code() { curl -s -o "$tmp/body" -w '%{http_code}' "http://127.0.0.1:$1$2"; }
dead_port=$(free_port)               # nothing listens there
es_hostport=${ELASTICSEARCH_URL#http://}
cat > "$tmp/es_dead.json" <<JSON
[{"host": "127.0.0.1", "port": $dead_port, "scheme": "http"},
 {"host": "${es_hostport%:*}", "port": ${es_hostport##*:}, "scheme": "http"}]
JSON
DEAD="127.0.0.1:$dead_port"

# 1. A cluster down next to a live one.
"$B/spider-testrecords" "$tmp" "$tpl" || exit 1
for i in 01 02 03 04 05; do kcat -P "${K[@]}" -t "$T.in" -k "$(cat "$tmp/good-$i.key")" "$tmp/good-$i.pb"; done
port=$(free_port)
"$B/spider-publisher" run --es-conf "$tmp/es_dead.json" --kafka-brokers "$KAFKA_BOOTSTRAP" --topics "$T.in" \
  --group "$T.group" --deadletter-topic "$T.dead" --batch-ms 300 --stall-seconds 5 --metrics-port "$port" \
  --log-level warn 2>"$tmp/publisher.log" &
pids+=($!)
check "Elasticsearch gets the 5 documents while the other cluster is down" 'wait_count es 5 60'
sleep 8
s1=$(metric "$port" spider_publisher_stalled_seconds "output=\"$DEAD\"")
sleep 3
s2=$(metric "$port" spider_publisher_stalled_seconds "output=\"$DEAD\"")
check "the dead cluster's stall shows and grows ($s1 s, then $s2 s)" 'awk -v a="$s1" -v b="$s2" "BEGIN {exit !(a >= 5 && b > a)}"'
lag=$(metric "$port" spider_publisher_consumer_lag "output=\"$DEAD\"")
check "its lag from committed offsets is the 5 documents ($lag)" '[ "$lag" = 5 ]'
retried=$(metric "$port" spider_publisher_requests_retried_total "output=\"$DEAD\",request=\"create_index\"")
check "every retried request counted ($retried index creations)" '[ "$retried" -ge 2 ]'
check "Elasticsearch: lag 0, not stalled" \
  '[ "$(metric "$port" spider_publisher_consumer_lag "output=\"$ES_NAME\"")" = 0 ] && [ "$(metric "$port" spider_publisher_stalled_seconds "output=\"$ES_NAME\"")" = 0 ]'
c=$(code "$port" /readyz)
check "/readyz 503 naming the stalled output ($(cat "$tmp/body"))" '[ "$c" = 503 ] && grep -q "output $DEAD: no progress" "$tmp/body"'
check "/healthz 200: alive" '[ "$(code "$port" /healthz)" = 200 ]'
es_limit=$(curl -s "$ELASTICSEARCH_URL/_cluster/settings?include_defaults=true&flat_settings=true" | jq -r '.defaults["http.max_content_length"]')
got=$(metric "$port" spider_publisher_max_request_bytes "output=\"$ES_NAME\"")
check "Elasticsearch's largest body is its http.max_content_length ($es_limit = $got bytes)" \
  '[ "$es_limit" = 100mb ] && [ "$got" = 104857600 ]'
check "the publisher stops cleanly with a cluster down (exit 0, no sanitizer report)" 'stop_clean "${pids[0]}" "$tmp/publisher.log"'
pids=()

# 2. Kafka unreachable.
kport=$(free_port); port=$(free_port)
"$B/spider-publisher" run --es-conf "$tmp/es_conf.json" --kafka-brokers "127.0.0.1:$kport" --topics "$T.in" \
  --group "$T.group2" --deadletter-topic "$T.dead" --metrics-port "$port" --log-level error 2>"$tmp/publisher2.log" &
pids+=($!)
for ((i = 0; i < 60; i++)); do c=$(code "$port" /readyz); grep -q "kafka unreachable" "$tmp/body" && break; sleep 0.5; done
check "Kafka unreachable: /readyz 503 naming the brokers ($(cat "$tmp/body"))" '[ "$c" = 503 ] && grep -q "kafka unreachable.*127.0.0.1:$kport" "$tmp/body"'
check "Kafka unreachable: /healthz 200" '[ "$(code "$port" /healthz)" = 200 ]'
check "the publisher stops cleanly with Kafka unreachable" 'stop_clean "${pids[0]}" "$tmp/publisher2.log"'
pids=()

# 3. Configuration errors: an error at start, not an endless retry.
start_fails() {   # start_fails CONF [FLAGS...]: runs the publisher; prints its exit status and time
  local t0=$SECONDS rc
  timeout 60 "$B/spider-publisher" run --es-conf "$1" --kafka-brokers "$KAFKA_BOOTSTRAP" --topics "$T.in" \
    --group "$T.group3" --deadletter-topic "$T.dead" "${@:2}" --log-level error 2>"$tmp/err" </dev/null
  rc=$?
  grep -qE 'Sanitizer|runtime error' "$tmp/err" && rc="$rc+sanitizer"
  echo "$rc $((SECONDS - t0))"
}
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/other.key" -out "$tmp/other-ca.pem" -days 1 \
  -subj /CN=other-ca 2>/dev/null
sed "s|\"ca\": \"[^\"]*\"|\"ca\": \"$tmp/other-ca.pem\"|" "$tmp/es_conf.json" > "$tmp/es_wrong_ca.json"
r=$(start_fails "$tmp/es_wrong_ca.json")
check "wrong CA: exit ${r% *} after ${r#* } s: $(head -c 300 "$tmp/err")" \
  '[ "${r% *}" = 2 ] && [ "${r#* }" -lt 30 ] && grep -q "cluster $OS_NAME: TLS failed" "$tmp/err"'
echo wrong-password > "$tmp/os_pass"
r=$(start_fails "$tmp/es_conf.json")
check "wrong password: exit ${r% *} after ${r#* } s: $(cat "$tmp/err")" \
  '[ "${r% *}" = 2 ] && [ "${r#* }" -lt 30 ] && grep -q "cluster $OS_NAME: authentication refused (HTTP 401)" "$tmp/err"'
r=$(start_fails "$tmp/es_conf.json" --index-template CMS)
check "--index-template CMS: exit ${r% *}: $(cat "$tmp/err")" \
  '[ "${r% *}" = 2 ] && grep -q "index-template \"CMS\": index name \"CMS-2026-01-01\" must be lowercase" "$tmp/err"'
[ $fail -eq 0 ] || { echo "---- publisher log"; tail -20 "$tmp/publisher.log"; }
exit $fail
