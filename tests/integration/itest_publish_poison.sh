#!/usr/bin/env bash
# itest_publish_poison.sh - a record that can never be written is
# dead-lettered, and only it (issue 13, case 1), on the real stack. Debian's
# kcat (a client we did not write) puts on one topic 20 good documents and,
# between them, every kind of poison: garbage bytes, an empty record, a
# document without an id, one whose index is "", one whose index is in
# capitals, one whose index name is an alias (so the cluster itself refuses
# to create it), one the mapping refuses (JobStatus a string), one over
# --max-request-bytes, an ADDED change without its document, and a snapshot
# marker (nothing to deliver, not poison). One publisher writes both clusters
# (OpenSearch behind nginx /es, Elasticsearch). Asserted: the exact 20 ids in
# each cluster; exactly the 9 poison records in the dead-letter topic for
# each cluster, read back with kcat: original key and value byte for byte,
# Kafka Connect's headers (source topic, partition, offset, exception class
# and message) and ours (spider.output, spider.id); the counters; bodies cut
# under the limit (several _bulk per cluster); /readyz ok and lag 0 at the end.
set -uo pipefail
. "$(dirname "$0")/clusters.sh"      # B, ROOT, tmp, check, count, wait_count, OS_NAME, ES_NAME
T=itpoison$$
tpl=$T
pub=""
cleanup() {
  [ -n "$pub" ] && kill "$pub" 2>/dev/null && wait "$pub" 2>/dev/null
  for c in os es; do delete_indices $c "$tpl-*"; delete_indices $c "${tpl}x-target"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
command -v kcat >/dev/null || { echo "FAIL: kcat is not installed (deploy/install-deps.sh)"; exit 1; }
K=(-b "$KAFKA_BOOTSTRAP")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
metric() {   # metric NAME LABELS: the value of one series of /metrics (0 when absent)
  curl -s "http://127.0.0.1:$port/metrics" | awk -v n="$1" -v l="$2" \
    'index($0, n "{" l "}") == 1 || ($0 ~ "^" n " " && l == "") {v = $NF} END {print v + 0}'
}

# The records, and an alias on both clusters where the "alias" document's index would be.
"$B/spider-testrecords" "$tmp" "$tpl" || exit 1
printf '\xff\xfe\xfd\xfc garbage' > "$tmp/garbage.pb"; printf 'garbage-key' > "$tmp/garbage.key"
for c in os es; do
  cluster_curl $c -XPUT "$(cluster_url $c)/${tpl}x-target" >/dev/null
  cluster_curl $c -XPOST "$(cluster_url $c)/_aliases" -H 'Content-Type: application/json' \
    -d "{\"actions\":[{\"add\":{\"index\":\"${tpl}x-target\",\"alias\":\"$tpl-alias-2025-11-22\"}}]}" >/dev/null \
    || echo "FAIL: alias on $c"
done
put() { kcat -P "${K[@]}" -t "$T.in" -k "$(cat "$tmp/$1.key")" "$tmp/$1.pb"; }
for i in 01 02 03 04 05 06 07 08 09 10; do put good-$i; done
for r in idless noindex capital alias mapping big nodoc marker garbage; do put $r; done
printf 'empty-key:\n' | kcat -P "${K[@]}" -t "$T.in" -K:            # an empty value
for i in 11 12 13 14 15 16 17 18 19 20; do put good-$i; done
kcat -C "${K[@]}" -t "$T.in" -e -q -f '%k %p %o %S\n' > "$tmp/in.txt"
check "kcat wrote the 30 records" '[ "$(wc -l < "$tmp/in.txt")" = 30 ]'

t0=$(date +%s)
"$B/spider-publisher" run --es-conf "$tmp/es_conf.json" --kafka-brokers "$KAFKA_BOOTSTRAP" --topics "$T.in" \
  --group "$T.group" --deadletter-topic "$T.dead" --batch-docs 100 --batch-ms 500 --max-request-bytes 16384 \
  --metrics-port "$port" --log-level warn 2>"$tmp/publisher.log" &
pub=$!
check "both clusters hold the 20 good documents" 'wait_count os 20 60 && wait_count es 20 60'
want=$(for i in $(seq 1 20); do echo "t#$i.0#1763800000#1763800000"; done | sort)
for c in os es; do
  got=$(cluster_curl $c "$(cluster_url $c)/$tpl-*/_search?size=100&_source=false" | jq -r '.hits.hits[]._id' | sort)
  check "$c: exactly the 20 good ids" '[ "$got" = "$want" ]'
done
for ((i = 0; i < 60; i++)); do
  [ "$(kcat -C "${K[@]}" -t "$T.dead" -e -q -f '%o\n' 2>/dev/null | wc -l)" -ge 18 ] && break
  sleep 0.5
done
sleep 1
# One line per dead letter: partition offset, key, value size, headers.
kcat -C "${K[@]}" -t "$T.dead" -e -q -f '%p %o\t%k\t%S\t%h\n' > "$tmp/dead.txt"
check "18 dead letters: the 9 poison records, once for each cluster" '[ "$(wc -l < "$tmp/dead.txt")" = 18 ]'
hdr() { tr ',' '\n' <<<"$1" | sed -n "s/^$2=//p"; }   # hdr HEADERS NAME (values here have no comma)
declare -A want_class=(
  [t#101.0#1763800000]=missing_id [t#102.0#1763800000]=invalid_index_name_exception
  [t#103.0#1763800000]=invalid_index_name_exception [t#104.0#1763800000]=invalid_index_name_exception
  [t#105.0#1763800000]=mapper_parsing_exception [t#106.0#1763800000]=document_too_large
  [t#107.0#1763800000]=missing_document [garbage-key]=undecodable_record [empty-key]=empty_record)
bad=0; seen=""
while IFS=$'\t' read -r where key size headers; do
  out=$(hdr "$headers" spider.output); class=$(hdr "$headers" __connect.errors.exception.class.name)
  src_topic=$(hdr "$headers" __connect.errors.topic); p=$(hdr "$headers" __connect.errors.partition)
  o=$(hdr "$headers" __connect.errors.offset); msg=$(hdr "$headers" __connect.errors.exception.message)
  seen+="$out $key"$'\n'
  [ "$src_topic" = "$T.in" ] || { echo "  $key: topic header $src_topic"; bad=1; }
  grep -qx "$key $p $o $size" "$tmp/in.txt" || { echo "  $key: partition $p offset $o size $size is not the original's"; bad=1; }
  w=${want_class[$key]:-?}
  [ "$w" = mapper_parsing_exception ] && [ "$class" = document_parsing_exception ] && w=$class   # Elasticsearch 8's name
  [ "$class" = "$w" ] || { echo "  $key ($out): class $class, want ${want_class[$key]:-none}"; bad=1; }
  [ -n "$msg" ] || { echo "  $key: no exception message"; bad=1; }
  kcat -C "${K[@]}" -t "$T.dead" -p "${where% *}" -o "${where#* }" -c 1 -q -f '%s' > "$tmp/dlq.bin"
  kcat -C "${K[@]}" -t "$T.in" -p "$p" -o "$o" -c 1 -q -f '%s' > "$tmp/orig.bin"
  cmp -s "$tmp/dlq.bin" "$tmp/orig.bin" || { echo "  $key: value differs from the original"; bad=1; }
done < "$tmp/dead.txt"
check "each dead letter: its key, value byte for byte, source topic/partition/offset and error class" '[ $bad = 0 ]'
expect=$(for out in "$OS_NAME" "$ES_NAME"; do for k in "${!want_class[@]}"; do echo "$out $k"; done; done | sort)
check "the poison records, and only they, for each cluster" '[ "$(sort <<<"${seen%$'"'"'\n'"'"'}")" = "$expect" ]'
grep -P '\t' "$tmp/dead.txt" | grep 'spider.id=t#102.0#1763800000#1763800000' | grep -q 'index name is empty' ; e1=$?
grep 'spider.id=t#103.0' "$tmp/dead.txt" | grep -q 'must be lowercase'; e2=$?
grep 'spider.id=t#104.0' "$tmp/dead.txt" | grep -q 'alias'; e3=$?
check "reasons: empty index name, must be lowercase, the cluster's alias refusal" '[ $e1$e2$e3 = 000 ]'
for out in "$OS_NAME" "$ES_NAME"; do
  l="output=\"$out\""
  got="$(metric spider_publisher_documents_indexed_total "$l") $(metric spider_publisher_documents_dead_lettered_total "$l") $(metric spider_publisher_documents_retried_total "$l")"
  check "$out: indexed 20, dead-lettered 9, nothing retried ($got)" '[ "$got" = "20 9 0" ]'
  bulks=$(metric spider_publisher_bulk_seconds_count "$l")
  check "$out: bodies cut under 16384 bytes: $bulks _bulk requests for 60 KB" '[ "$bulks" -ge 4 ] && [ "$(metric spider_publisher_max_request_bytes "$l")" = 16384 ]'
done
sleep 6    # the monitor's lag (every 5 s)
for out in "$OS_NAME" "$ES_NAME"; do
  check "$out: lag 0 and not stalled once done" \
    '[ "$(metric spider_publisher_consumer_lag "output=\"$out\"")" = 0 ] && [ "$(metric spider_publisher_stalled_seconds "output=\"$out\"")" = 0 ]'
done
check "/readyz ok" '[ "$(curl -s "http://127.0.0.1:$port/readyz")" = ok ]'
check "nothing retried in the log" '! grep -q publish.retry "$tmp/publisher.log"'
check "the publisher stops cleanly on SIGTERM (exit 0, no sanitizer report)" 'stop_clean "$pub" "$tmp/publisher.log"'
pub=""
echo "took $(( $(date +%s) - t0 )) s"
[ $fail -eq 0 ] || { echo "---- publisher log"; tail -30 "$tmp/publisher.log"; echo "---- dead letters"; cut -c1-400 "$tmp/dead.txt"; }
exit $fail
