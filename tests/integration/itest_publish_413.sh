#!/usr/bin/env bash
# itest_publish_413.sh - a proxy that takes less than the cluster says
# (issue 13): Debian's nginx, started here on a free loopback port with
# client_max_body_size 16k, in front of the stack's OpenSearch. The cluster
# reports http.max_content_length 100mb, so the first _bulk (20 documents
# of 3 KB) is refused with 413 by nginx. Asserted: the publisher cuts the
# body in halves until nginx takes it and keeps that limit for later
# batches (a second batch pays no 413); the 40 KB document, refused alone,
# is dead-lettered as document_too_large with its original bytes; all 40
# good documents arrive; nginx's own log shows the 413s it answered.
set -uo pipefail
. "$(dirname "$0")/clusters.sh"      # B, ROOT, tmp, check, free_port, stop_clean
T=it413$$
tpl=$T
pub=""; ngx=""
cleanup() {
  [ -n "$pub" ] && kill "$pub" 2>/dev/null && wait "$pub" 2>/dev/null
  [ -n "$ngx" ] && kill "$ngx" 2>/dev/null && wait "$ngx" 2>/dev/null
  delete_indices os "$tpl-*"
  rm -rf "$tmp"
}
trap cleanup EXIT
for c in nginx kcat; do command -v $c >/dev/null || { echo "FAIL: $c is not installed (deploy/install-deps.sh)"; exit 1; }; done
K=(-b "$KAFKA_BOOTSTRAP")
nport=$(free_port); port=$(free_port)
mkdir -p "$tmp/nginx/tmp"
cat > "$tmp/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 64; }
http {
  access_log $tmp/nginx/access.log;
  client_body_temp_path $tmp/nginx/tmp/body;
  proxy_temp_path $tmp/nginx/tmp/proxy;
  fastcgi_temp_path $tmp/nginx/tmp/fastcgi;
  uwsgi_temp_path $tmp/nginx/tmp/uwsgi;
  scgi_temp_path $tmp/nginx/tmp/scgi;
  client_max_body_size 16k;
  server {
    listen 127.0.0.1:$nport;
    location / { proxy_pass ${OPENSEARCH_DIRECT_URL%/}; proxy_http_version 1.1; }
  }
}
CONF
nginx -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" -g 'daemon off;' 2>"$tmp/nginx.out" &
ngx=$!
for ((i = 0; i < 50; i++)); do curl -sf "http://127.0.0.1:$nport/" >/dev/null && break; sleep 0.2; done
check "nginx (client_max_body_size 16k) in front of OpenSearch answers" 'curl -sf "http://127.0.0.1:$nport/" >/dev/null'
echo "[{\"host\": \"127.0.0.1\", \"port\": $nport, \"scheme\": \"http\"}]" > "$tmp/es_proxy.json"
NAME=127.0.0.1:$nport
metric() {   # metric NAME: the value of the proxy output's series of /metrics (0 when absent)
  curl -s "http://127.0.0.1:$port/metrics" | awk -v n="$1" -v l="output=\"$NAME\"" 'index($0, n "{" l "}") == 1 {v = $NF} END {print v + 0}'
}
proxied() { cluster_curl os "$(cluster_url os)/$tpl-*/_count" | jq -r .count; }
too_large() { grep -c '"POST /_bulk HTTP/1.1" 413' "$tmp/nginx/access.log"; }

"$B/spider-testrecords" "$tmp" "$tpl" || exit 1
put() { kcat -P "${K[@]}" -t "$T.in" -k "$(cat "$tmp/$1.key")" "$tmp/$1.pb"; }
for i in 01 02 03 04 05 06 07 08 09 10; do put good-$i; done
put big
for i in 11 12 13 14 15 16 17 18 19 20; do put good-$i; done
"$B/spider-publisher" run --es-conf "$tmp/es_proxy.json" --kafka-brokers "$KAFKA_BOOTSTRAP" --topics "$T.in" \
  --group "$T.group" --deadletter-topic "$T.dead" --batch-docs 100 --batch-ms 500 --metrics-port "$port" \
  --log-level warn 2>"$tmp/publisher.log" &
pub=$!
for ((i = 0; i < 120; i++)); do [ "$(proxied)" = 20 ] && break; sleep 0.5; done
check "the 20 good documents of the first batch arrive through the proxy ($(proxied))" '[ "$(proxied)" = 20 ]'
first=$(too_large)
check "nginx refused the first bodies with 413 ($first times)" '[ "$first" -ge 2 ]'
got=$(metric spider_publisher_max_request_bytes)
check "the publisher learned a body size nginx takes ($got bytes <= 16384)" '[ "$got" -gt 0 ] && [ "$got" -le 16384 ]'
check "the 413 warnings are in its log" 'grep -q "event=publish.too_large" "$tmp/publisher.log" && grep -q "event=publish.bulk_cap" "$tmp/publisher.log"'

# A second batch of the same 20 documents' sizes (new ids: the records again under other keys).
mkdir -p "$tmp/b2" && "$B/spider-testrecords" "$tmp/b2" "$tpl-b" || exit 1
for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20; do
  kcat -P "${K[@]}" -t "$T.in" -k "$(cat "$tmp/b2/good-$i.key")" "$tmp/b2/good-$i.pb"
done
for ((i = 0; i < 120; i++)); do [ "$(proxied)" = 40 ] && break; sleep 0.5; done
check "the second batch's 20 documents arrive too ($(proxied) in all)" '[ "$(proxied)" = 40 ]'
check "and pay no 413: the learned limit is kept ($first, then $(too_large))" '[ "$(too_large)" = "$first" ]'

for ((i = 0; i < 60; i++)); do [ "$(kcat -C "${K[@]}" -t "$T.dead" -e -q -f '%o\n' 2>/dev/null | wc -l)" -ge 1 ] && break; sleep 0.5; done
kcat -C "${K[@]}" -t "$T.dead" -e -q -f '%k\t%h\n' > "$tmp/dead.txt"
check "exactly one dead letter: the 40 KB document, as document_too_large after its own 413 ($(cut -c1-300 "$tmp/dead.txt"))" \
  '[ "$(wc -l < "$tmp/dead.txt")" = 1 ] && grep -q "^t#106.0#1763800000" "$tmp/dead.txt" &&
   grep -q "__connect.errors.exception.class.name=document_too_large" "$tmp/dead.txt" && grep -q "answered 413" "$tmp/dead.txt"'
kcat -C "${K[@]}" -t "$T.dead" -o 0 -c 1 -q -f '%s' > "$tmp/dlq.bin"
check "its value is the original record byte for byte" 'cmp -s "$tmp/dlq.bin" "$tmp/big.pb"'
check "counters: 40 indexed, 1 dead-lettered" '[ "$(metric spider_publisher_documents_indexed_total) $(metric spider_publisher_documents_dead_lettered_total)" = "40 1" ]'
check "the publisher stops cleanly (exit 0, no sanitizer report)" 'stop_clean "$pub" "$tmp/publisher.log"'
pub=""
[ $fail -eq 0 ] || { echo "---- publisher log"; tail -30 "$tmp/publisher.log"; echo "---- nginx access log"; tail -20 "$tmp/nginx/access.log"; }
exit $fail
