#!/usr/bin/env bash
# itest_purge.sh - `spider-publisher purge` on both real clusters of the
# local stack (OpenSearch through nginx /es with TLS and auth; Elasticsearch):
# documents of two collector builds in two daily indices; a dry run counts
# the bad build's, the purge deletes exactly those (the integ-test clusters
# have no _delete_by_query, so the search+bulk fallback runs), --since keeps
# the older ones, and the good build's documents are untouched.
set -uo pipefail
. "$(dirname "$0")/clusters.sh"      # B, ROOT, tmp, the helpers
trap 'rm -rf "$tmp"' EXIT
tpl="itpurge$$"
# 30 good + 20 bad (10 of them older) documents, over two daily indices
body=""
for i in $(seq 1 50); do
  hash=good; [ "$i" -gt 30 ] && hash=bad
  rt=1763800000; [ "$i" -gt 40 ] && rt=1763700000
  idx="$tpl-2025-11-2$((i % 2 + 1))"
  body+="{\"index\":{\"_index\":\"$idx\",\"_id\":\"job$i#$rt\"}}"$'\n'
  body+="{\"RecordTime\":$rt,\"metadata\":{\"spider_git_hash\":\"$hash\"}}"$'\n'
done
for cluster in os es; do
  cluster_curl $cluster -XPOST "$(cluster_url $cluster)/_bulk?refresh=true" -H "content-type: application/x-ndjson" --data-binary "$body" >/dev/null \
    || { echo "FAIL: cannot load documents into $cluster"; exit 1; }
done
count() { # cluster hash
  local q='{"query":{"term":{"metadata.spider_git_hash":"'"$2"'"}}}'
  cluster_curl "$1" -XPOST "$(cluster_url "$1")/$tpl-*/_count" -H 'content-type: application/json' -d "$q" |
    sed 's/.*"count":\([0-9]*\).*/\1/'
}
P="$B/spider-publisher"
out=$("$P" purge --es-conf "$tmp/es_conf.json" --index-template "$tpl" --git-hash bad --dry-run 2>&1); rc=$?
check "dry run counts the bad build's documents on both clusters" \
  '[ $rc -eq 0 ] && [ "$(grep -c "would delete 20 documents of git hash bad" <<<"$out")" -eq 2 ]'
check "dry run deletes nothing" '[ "$(count os bad)" = 20 ] && [ "$(count es bad)" = 20 ]'
out=$("$P" purge --es-conf "$tmp/es_conf.json" --index-template "$tpl" --git-hash bad --since 1763750000 2>&1); rc=$?
check "purge --since deletes only the newer bad documents" \
  '[ $rc -eq 0 ] && [ "$(grep -c "deleted 10 documents" <<<"$out")" -eq 2 ] && [[ $out == *"search+bulk"* ]]'
check "older bad documents stay after --since" '[ "$(count os bad)" = 10 ] && [ "$(count es bad)" = 10 ]'
out=$("$P" purge --es-conf "$tmp/es_conf.json" --index-template "$tpl" --git-hash bad 2>&1); rc=$?
check "purge deletes the rest" '[ $rc -eq 0 ] && [ "$(grep -c "deleted 10 documents" <<<"$out")" -eq 2 ]'
check "no bad document left" '[ "$(count os bad)" = 0 ] && [ "$(count es bad)" = 0 ]'
check "good documents untouched" '[ "$(count os good)" = 30 ] && [ "$(count es good)" = 30 ]'
out=$("$P" purge --es-conf "$tmp/es_conf.json" 2>&1); rc=$?
check "purge without --git-hash is refused" '[ $rc -eq 2 ] && [[ $out == *"--git-hash is required"* ]]'
for c in os es; do delete_indices $c "$tpl-*"; done
exit $fail
