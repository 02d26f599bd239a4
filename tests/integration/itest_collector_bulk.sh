#!/usr/bin/env bash
# itest_collector_bulk.sh - the migration check's `--output bulk` file is
# something an operator can post with curl: spider-collector --read-only
# --output bulk (Kafka at a closed port) over spider-sim's queues and history,
# posted as it is to the real Elasticsearch and to OpenSearch (through nginx
# /es, TLS, basic auth) at /_bulk; both take every item, and what they hold,
# read back, is the --output jsonl documents of the same poll: the same ids
# (<GlobalJobId>#<RecordTime>), the same daily indices, every field equal
# (metadata aside: spider_runtime is each run's clock), queue and history
# documents both, and metadata.publisher_git_hash = this build's hash.
set -uo pipefail
. "$(dirname "$0")/clusters.sh"      # B, ROOT, tmp, check, cluster_curl, delete_indices
tpl="itbulk$$-$(date +%s)"
trap 'for c in os es; do delete_indices $c "$tpl-*"; done; rm -rf "$tmp"' EXIT
export SPIDER_SIM_SCHEDDS=3 SPIDER_SIM_JOBS=30 SPIDER_SIM_STEP=9
run() {
  "$B/spider-collector" run --once --now $((1763800000 + 9 * 720)) --source "exec:$B/sim-bin" --read-only \
    --index-template "$tpl" --checkpoint-file "$tmp/cp.json" --kafka-brokers 127.0.0.1:1 --log-level warn "$@"
}
run --output bulk --output-file "$tmp/docs.bulk"; rc1=$?
run --output jsonl --output-file "$tmp/docs.jsonl"; rc2=$?
docs=$(wc -l < "$tmp/docs.jsonl")
check "the read-only runs wrote $docs documents, queue and history, without Kafka" \
  '[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ "$docs" -gt 50 ] &&
   [ "$(jq -r .metadata.spider_source "$tmp/docs.jsonl" | sort -u | tr "\n" " ")" = "condor_history condor_queue " ]'
hash=$("$B/spider-collector" --version | sed -n 's/.*(git \([^)]*\)).*/\1/p')
want() { jq -c '{id: "\(.GlobalJobId)#\(.RecordTime)", src: del(.metadata), source: .metadata.spider_source}' "$tmp/docs.jsonl" | sort; }
want > "$tmp/want"
for c in os es; do
  resp=$(cluster_curl $c -XPOST "$(cluster_url $c)/_bulk?refresh=true" -H 'content-type: application/x-ndjson' \
           --data-binary "@$tmp/docs.bulk")
  check "$c takes the file as it is: errors false, $docs items created" \
    '[ "$(jq -r .errors <<<"$resp")" = false ] && [ "$(jq "[.items[].index.status] | map(select(. == 201)) | length" <<<"$resp")" -eq "$docs" ]'
  cluster_curl $c "$(cluster_url $c)/$tpl-*/_search?size=1000" > "$tmp/hits.$c"
  check "$c holds $docs documents" '[ "$(jq .hits.hits\|length "$tmp/hits.$c")" -eq "$docs" ]'
  jq -c '.hits.hits[] | {id: ._id, src: (._source | del(.metadata)), source: ._source.metadata.spider_source}' "$tmp/hits.$c" \
    | sort > "$tmp/got.$c"
  check "$c: ids, sources and every field equal the jsonl documents" 'cmp -s "$tmp/want" "$tmp/got.$c"'
  check "$c: each document is in its QDate's daily index" \
    '[ "$(jq -r ".hits.hits[] | select(._index != \"$tpl-\" + (._source.QDate | strftime(\"%Y-%m-%d\"))) | ._id" "$tmp/hits.$c" | wc -l)" -eq 0 ]'
  check "$c: metadata.publisher_git_hash is this build's ($hash)" \
    '[ "$(jq -r ".hits.hits[]._source.metadata.publisher_git_hash" "$tmp/hits.$c" | sort -u)" = "$hash" ]'
done
exit $fail
