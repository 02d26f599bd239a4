#!/usr/bin/env bash
# itest_publish_setup.sh - `spider-publisher setup` on both real clusters of
# the local stack (OpenSearch through nginx /es with TLS and auth;
# Elasticsearch): the index template goes in on each, a second setup changes
# nothing (the digest it carries is the same), a template changed by hand is
# put back; the daily index `run` then creates gets the template: its alias,
# and the template's mapping and settings, field for field. Retention: where
# a cluster has ILM/ISM, the policy is created and attached to that index
# (`_ilm/explain`, `_plugins/_ism/explain`); the local stack's integ-test
# distributions have neither (no registry serves the modules), so there the
# test checks that setup refuses, naming the cluster and the missing API,
# with exit 1 and nothing changed. A cluster that refuses the login, or
# holds an index named like the alias, fails alone and is named; a bad
# --retention-days is a usage error.
set -uo pipefail
. "$(dirname "$0")/clusters.sh"      # B, ROOT, tmp, the helpers
T=itsetup$$
tpl=$T
export PATH="$B/sim-bin:$PATH" SPIDER_SIM_SCHEDDS=2 SPIDER_SIM_JOBS=20
P="$B/spider-publisher"
NAME=spider-$tpl-daily POLICY=spider-$tpl-retention
pub=""
cleanup() {
  [ -n "$pub" ] && kill "$pub" 2>/dev/null
  for c in os es; do
    delete_indices $c "$tpl-*"
    cluster_curl $c -XDELETE "$(cluster_url $c)/_index_template/$NAME" >/dev/null
  done
  curl -s -XDELETE "$ELASTICSEARCH_URL/_ilm/policy/$POLICY" >/dev/null
  cluster_curl os -XDELETE "$OPENSEARCH_URL/_plugins/_ism/policies/$POLICY" >/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
run_setup() {  # its stderr in setup.err, and all of them in setup.all
  "$P" setup --es-conf "${CONF:-$tmp/es_conf.json}" --index-template "$tpl" "$@" 2>"$tmp/setup.err"
  local rc=$?; cat "$tmp/setup.err" >> "$tmp/setup.all"; return $rc
}
template() { cluster_curl "$1" "$(cluster_url "$1")/_index_template/$NAME" | jq -c '.index_templates[0].index_template'; }
digest() { template "$1" | jq -r '._meta.digest'; }
has_retention() {  # os|es: the cluster answers the ISM/ILM API (as setup asks it)
  local body
  if [ "$1" = os ]; then
    body=$(curl -s --cacert "$OPENSEARCH_CA" -u "$OPENSEARCH_USER:$OPENSEARCH_PASSWORD" "$OPENSEARCH_URL/_plugins/_ism/policies/$POLICY")
  else body=$(curl -s "$ELASTICSEARCH_URL/_ilm/policy/$POLICY"); fi
  [ -n "$body" ] && [[ $body != *"no handler found"* && $body != *"Incorrect HTTP method"* ]]
}

# retention first: what the stack offers decides how the rest runs
retention=0
if has_retention os && has_retention es; then retention=39
elif has_retention os || has_retention es; then echo "FAIL: ILM/ISM on one cluster only: this test knows both or neither"; fail=1
fi
if [ $retention = 0 ]; then
  out=$(run_setup); rc=$?; err=$(cat "$tmp/setup.err")
  check "setup with retention on clusters without ILM/ISM: exit 1, each cluster named with its missing API" \
    '[ $rc -eq 1 ] && [[ $err == *"$OS_NAME: FAILED: no ISM API"*"Index State Management"* ]] &&
     [[ $err == *"$ES_NAME: FAILED: no ILM API"*"x-pack-ilm"* ]] && [[ $out == *"0 created, 0 updated, 0 unchanged, 2 failed"* ]]'
  check "the refused setup installed no template" '[ -z "$(template os)" ] && [ -z "$(template es)" ]'
fi

out=$(run_setup --retention-days $retention); rc=$?
check "setup installs the template on both clusters" \
  '[ $rc -eq 0 ] && [[ $out == *"$OS_NAME: index template $NAME created ($tpl-2*, alias $tpl"* ]] &&
   [[ $out == *"$ES_NAME: index template $NAME created ($tpl-2*, alias $tpl"* ]] && [[ $out == *" 0 failed"* ]]'
for c in os es; do
  t=$(template $c)
  check "$c: the template is for $tpl-2*, priority 200, alias $tpl, stamped" \
    '[ "$(jq -c "[.index_patterns, .priority, (.template.aliases|keys), ._meta.managed_by]" <<<"$t")" = \
       "[[\"$tpl-2*\"],200,[\"$tpl\"],\"spider-publisher setup\"]" ] && [ ${#t} -gt 1000 ]'
done
d_os=$(digest os) d_es=$(digest es)
out=$(run_setup --retention-days $retention); rc=$?
check "a second setup is a no-op: everything unchanged, same digests" \
  '[ $rc -eq 0 ] && [[ $out == *"0 created, 0 updated, $((retention ? 4 : 2)) unchanged, 0 failed"* ]] &&
   [ "$(digest os)" = "$d_os" ] && [ "$(digest es)" = "$d_es" ]'
curl -s -XPUT "$ELASTICSEARCH_URL/_index_template/$NAME" -H 'content-type: application/json' \
  -d "{\"index_patterns\":[\"$tpl-2*\"],\"priority\":200}" >/dev/null
out=$(run_setup --retention-days $retention); rc=$?
check "a template changed by hand is put back (ES updated, OpenSearch unchanged)" \
  '[ $rc -eq 0 ] && [[ $out == *"$ES_NAME: index template $NAME updated"* ]] &&
   [[ $out == *"$OS_NAME: index template $NAME unchanged"* ]] && [ "$(digest es)" = "$d_es" ]'

# run creates a daily index: the template applies
cycle 6
want=$(unique)
"$P" run --es-conf "$tmp/es_conf.json" --kafka-brokers "$KAFKA_BOOTSTRAP" --topics "$T.history" --group "$T.group" \
  --deadletter-topic "$T.dead" --batch-ms 300 --log-level warn 2>>"$tmp/publisher.log" &
pub=$!
check "run writes every document to both clusters ($want)" 'wait_count os "$want" 60 && wait_count es "$want" 60'
check "run stops cleanly" 'stop_clean "$pub" "$tmp/publisher.log"'; pub=""
for c in os es; do
  url=$(cluster_url $c) t=$(template $c)
  idx=$(cluster_curl $c "$url/_cat/indices/$tpl-*?h=index" | head -1)
  check "$c: $idx is reached through the alias $tpl" \
    '[ -n "$idx" ] && [ "$(cluster_curl $c "$url/$idx/_alias" | jq -c "[.[].aliases | keys[]]")" = "[\"$tpl\"]" ] &&
     [ "$(cluster_curl $c "$url/$tpl/_count" | jq .count)" = "$(cluster_curl $c "$url/$idx/_count" | jq .count)" ]'
  m=$(cluster_curl $c "$url/$idx/_mapping" | jq -c '.[].mappings')
  check "$c: $idx has the template's mapping, every field of it as the template says" \
    'jq -e --argjson t "$t" "[\$t.template.mappings | paths(type != \"object\" and type != \"array\")] as \$ps |
       (\$ps | length > 100) and ([\$ps[] as \$p | (\$t.template.mappings | getpath(\$p)) == getpath(\$p)] | all)" \
       <<<"$m" >/dev/null'
  s=$(cluster_curl $c "$url/$idx/_settings" | jq -c '.[].settings.index')
  check "$c: $idx has the template's settings (total_fields.limit 2000)" \
    '[ "$(jq -r .mapping.total_fields.limit <<<"$s")" = 2000 ]'
done
ism_attached() {  # ISM attaches by its ism_template as the index is created, asynchronously: 10 s
  local i
  for i in $(seq 20); do
    [ "$(cluster_curl os "$OPENSEARCH_URL/_plugins/_ism/explain/$1" |
         jq -r ".[\"$1\"][\"index.plugins.index_state_management.policy_id\"] // .[\"$1\"].policy_id")" = "$POLICY" ] && return 0
    sleep 0.5
  done
  return 1
}
if [ $retention != 0 ]; then
  idx=$(curl -s "$ELASTICSEARCH_URL/_cat/indices/$tpl-*?h=index" | head -1)
  check "es: ILM policy $POLICY exists, deletes after ${retention}d, and manages $idx" \
    '[ "$(curl -s "$ELASTICSEARCH_URL/_ilm/policy/$POLICY" | jq -r ".[\"$POLICY\"].policy.phases.delete.min_age")" = ${retention}d ] &&
     [ "$(curl -s "$ELASTICSEARCH_URL/$idx/_ilm/explain" | jq -r ".indices[\"$idx\"].policy")" = "$POLICY" ]'
  idx=$(cluster_curl os "$OPENSEARCH_URL/_cat/indices/$tpl-*?h=index" | head -1)
  check "os: ISM policy $POLICY exists and manages $idx" \
    '[ "$(cluster_curl os "$OPENSEARCH_URL/_plugins/_ism/policies/$POLICY" | jq -r ._id)" = "$POLICY" ] &&
     ism_attached "$idx"'
fi

# failures
echo wrong > "$tmp/bad_pass"
sed "s|$tmp/os_pass|$tmp/bad_pass|" "$tmp/es_conf.json" > "$tmp/bad_conf.json"
out=$(CONF=$tmp/bad_conf.json run_setup --retention-days $retention); rc=$?; err=$(cat "$tmp/setup.err")
check "a cluster refusing the login fails alone, named, exit 1" \
  '[ $rc -eq 1 ] && [[ $err == *"$OS_NAME: FAILED:"*"answered 401"* ]] &&
   [[ $out == *"$ES_NAME: index template $NAME unchanged"* ]] && [[ $out == *"1 failed"* ]]'
delete_indices es "$tpl-*"    # and so the alias
curl -s -XPUT "$ELASTICSEARCH_URL/$tpl" >/dev/null
out=$(run_setup --retention-days $retention); rc=$?; err=$(cat "$tmp/setup.err")
check "an index named like the alias: that cluster fails, named, exit 1" \
  '[ $rc -eq 1 ] && [[ $err == *"$ES_NAME: FAILED: an index named $tpl exists"* ]] && [[ $out == *"$OS_NAME: index template $NAME unchanged"*"unchanged, 1 failed"* ]]'
curl -s -XDELETE "$ELASTICSEARCH_URL/$tpl" >/dev/null
run_setup --retention-days -1 >/dev/null; rc=$?
check "--retention-days -1 is a usage error (exit 2)" '[ $rc -eq 2 ] && grep -q "retention-days" "$tmp/setup.err"'
check "no sanitizer report from any setup" '! grep -qE "Sanitizer|runtime error" "$tmp/setup.all"'
[ $fail -eq 0 ] || { echo "---- setup stderr"; cat "$tmp/setup.err"; echo "---- publisher log"; tail -20 "$tmp/publisher.log"; }
exit $fail
