#!/usr/bin/env bash
# summary.sh - what was indexed against what the collector and the differ
# produced, per cluster and per source. `make demo` prints it at its end
# (deploy/demo.sh); integration.demo_summary tests it on a small run.
#
#   deploy/summary.sh ES_CONF INDEX_PATTERN CHANGES_TOPIC HISTORY_TOPIC
#
# For each cluster of ES_CONF (in its order) and each source, one line:
#   produced  distinct document ids on the Kafka topic (the differ's changes:
#             ADDED and CHANGED, each carrying a queue document; the
#             collector's history documents), read by spider-differ compare
#   indexed   documents of that metadata.spider_source in INDEX_PATTERN
#   missing   produced ids the cluster does not hold
# and "ok", or "MISMATCH" with what differs. Exit status 0 when every line
# is ok, 1 otherwise. Environment: KAFKA_BOOTSTRAP, and SPIDER_BUILD_DIR
# (default build/) for spider-differ; the clusters' credentials come from
# ES_CONF, as the publisher reads them (CA, password files).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${SPIDER_BUILD_DIR:-$ROOT/build}
[ $# -eq 4 ] || { echo "usage: summary.sh ES_CONF INDEX_PATTERN CHANGES_TOPIC HISTORY_TOPIC" >&2; exit 2; }
conf=$1 pattern=$2 changes=$3 history=$4
: "${KAFKA_BOOTSTRAP:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# cluster_count N QUERY: documents of cluster N (1-based in ES_CONF) matching QUERY, via curl
cluster_count() {
  local e url auth=() ca=()
  e=$(jq -c ".[$(($1 - 1))]" "$conf")
  local host port scheme user pass pfile cafile
  host=$(jq -r .host <<<"$e"); port=$(jq -r '.port // empty' <<<"$e"); scheme=$(jq -r '.scheme // "https"' <<<"$e")
  user=$(jq -r '.username // empty' <<<"$e"); pass=$(jq -r '.password // empty' <<<"$e")
  pfile=$(jq -r '.password_file // empty' <<<"$e"); cafile=$(jq -r '.ca // empty' <<<"$e")
  [ -n "$pfile" ] && pass=$(tr -d '\n' < "$pfile")
  if [ -n "$port" ]; then url="$scheme://${host%%/*}:$port"; else url="$scheme://${host%%/*}"; fi
  [[ $host == */* ]] && url="$url/${host#*/}"
  [ -n "$user" ] && auth=(-u "$user:$pass")
  [ -n "$cafile" ] && ca=(--cacert "$cafile")
  curl -s "${ca[@]}" "${auth[@]}" -XPOST "$url/$pattern/_refresh" >/dev/null
  curl -s "${ca[@]}" "${auth[@]}" "$url/$pattern/_count?q=$2" | jq -r '.count // "?"'
}

status=0
n=$(jq length "$conf")
printf '  %-22s %-8s %9s %9s %9s\n' cluster source produced indexed missing
for ((i = 1; i <= n; i++)); do
  name=$(jq -r ".[$((i - 1))] | .host + (if .port then \":\" + (.port | tostring) else \"\" end)" "$conf")
  for src in changes history; do
    topic=$changes q=metadata.spider_source:condor_queue
    [ $src = history ] && topic=$history q=metadata.spider_source:condor_history
    "$B/spider-differ" compare "kafka:$topic" "es:$i/$pattern" --es-conf "$conf" --kafka-brokers "$KAFKA_BOOTSTRAP" \
      --ignore '*' --report "$work/r.json" --log-level error >/dev/null 2>"$work/err"
    if [ ! -s "$work/r.json" ]; then
      printf '  %-22s %-8s MISMATCH: cannot compare: %s\n' "$name" $src "$(head -c 200 "$work/err")"
      status=1; continue
    fi
    produced=$(jq .left_count "$work/r.json"); missing=$(jq .only_left "$work/r.json")
    indexed=$(cluster_count "$i" "$q")
    verdict=ok
    if [ "$missing" != 0 ] || [ "$indexed" != "$produced" ]; then
      verdict="MISMATCH: $missing produced but not indexed$(jq -r 'if .only_left_examples | length > 0 then " (e.g. " + .only_left_examples[0] + ")" else "" end' "$work/r.json"), $indexed indexed for $produced produced"
      status=1
    fi
    printf '  %-22s %-8s %9s %9s %9s  %s\n' "$name" $src "$produced" "$indexed" "$missing" "$verdict"
    rm -f "$work/r.json"
  done
done
exit $status
