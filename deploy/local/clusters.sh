# clusters.sh - sourced by what talks to both search clusters of the local
# stack (stack.env in the environment): the demo and the integration tests.
#   write_es_conf DIR        DIR/es_conf.json for both clusters (reference format)
#   cluster_url os|es        the cluster's base URL
#   cluster_curl os|es ARGS  curl with the cluster's CA and credentials
#   delete_indices os|es PATTERN
#                            delete the indices PATTERN matches, by name (Elasticsearch 8
#                            refuses wildcard deletes: action.destructive_requires_name)
write_es_conf() {
  local es_hostport=${ELASTICSEARCH_URL#http://}
  printf '%s\n' "$OPENSEARCH_PASSWORD" > "$1/os_pass"
  cat > "$1/es_conf.json" <<JSON
[{"host": "${OPENSEARCH_URL#https://}", "username": "$OPENSEARCH_USER", "password_file": "$1/os_pass", "ca": "$OPENSEARCH_CA"},
 {"host": "${es_hostport%:*}", "port": ${es_hostport##*:}, "scheme": "http"}]
JSON
}

cluster_url() { if [ "$1" = os ]; then echo "$OPENSEARCH_URL"; else echo "$ELASTICSEARCH_URL"; fi; }

cluster_curl() {
  local c=$1; shift
  if [ "$c" = os ]; then curl -sf --cacert "$OPENSEARCH_CA" -u "$OPENSEARCH_USER:$OPENSEARCH_PASSWORD" "$@"
  else curl -sf "$@"; fi
}

delete_indices() {
  local c=$1 index
  for index in $(cluster_curl "$c" "$(cluster_url "$c")/_cat/indices/$2?h=index" || true); do
    cluster_curl "$c" -XDELETE "$(cluster_url "$c")/$index" >/dev/null || true
  done
}
