# search.sh - OpenSearch 2.x and Elasticsearch 8.x from their integ-test
# zips on Maven Central, run as the unprivileged stack user (sourced by
# stack.sh). Both lack some modules (analysis-common, reindex, painless):
# nothing spider ships may need them.

OPENSEARCH_VERSION=2.18.0
ELASTICSEARCH_VERSION=8.15.0

# search_install NAME GROUP VERSION -> unpacks into $STACK_DIR/NAME once.
search_install() {
  local name=$1 group=$2 version=$3 zip dir=$STACK_DIR/$1
  [ -f "$dir/.complete" ] && return 0
  zip=$(mvn_artifact "$group" "$name" "$version" zip)
  rm -rf "$dir" "$dir.tmp"
  mkdir -p "$dir.tmp"
  (cd "$dir.tmp" && unzip -q "$zip") || die "$name: unzip of $zip failed"
  mv "$dir.tmp/$name-$version" "$dir"
  rm -rf "$dir.tmp"
  touch "$dir/.complete"
}

# search_config NAME PORT TRANSPORT_PORT EXTRA... -> writes config/NAME.yml
search_config() {
  local name=$1 port=$2 tport=$3 dir=$STACK_DIR/$1; shift 3
  mkdir -p "$dir/data" "$dir/logs"
  {
    echo "cluster.name: spider-local-$name"
    echo "node.name: $name-1"
    echo "network.host: 127.0.0.1"
    echo "http.port: $port"
    echo "transport.port: $tport"
    echo "discovery.type: single-node"
    echo "path.data: $dir/data"
    echo "path.logs: $dir/logs"
    echo "cluster.routing.allocation.disk.threshold_enabled: false"
    echo "action.auto_create_index: true"
    printf '%s\n' "$@"
  } > "$dir/config/$name.yml"
  own_by_stack_user "$dir"
}

url_port() { local u=${1##*:}; echo "${u%%/*}"; }

opensearch_health() { cluster_ok "$OPENSEARCH_DIRECT_URL"; }

opensearch_start() {
  pid_of opensearch >/dev/null && return 0
  stack_priv
  search_install opensearch org.opensearch.distribution.integ-test-zip "$OPENSEARCH_VERSION"
  search_config opensearch "$(url_port "$OPENSEARCH_DIRECT_URL")" 9301
  spawn opensearch env OPENSEARCH_JAVA_HOME="$JAVA_HOME" JAVA_HOME="$JAVA_HOME" \
    OPENSEARCH_JAVA_OPTS="-Xms1g -Xmx1g" \
    OPENSEARCH_PATH_CONF="$STACK_DIR/opensearch/config" \
    "${STACK_PRIV[@]}" "$STACK_DIR/opensearch/bin/opensearch"
}

elasticsearch_health() { cluster_ok "$ELASTICSEARCH_URL"; }

elasticsearch_start() {
  pid_of elasticsearch >/dev/null && return 0
  stack_priv
  search_install elasticsearch org.elasticsearch.distribution.integ-test-zip "$ELASTICSEARCH_VERSION"
  search_config elasticsearch "$(url_port "$ELASTICSEARCH_URL")" 9300 \
    "xpack.security.enabled: false"
  spawn elasticsearch env -u JAVA_HOME ES_JAVA_HOME="$JAVA_HOME" ES_JAVA_OPTS="-Xms1g -Xmx1g" ES_PATH_CONF="$STACK_DIR/elasticsearch/config" \
    "${STACK_PRIV[@]}" "$STACK_DIR/elasticsearch/bin/elasticsearch"
}

opensearch_wait() { wait_until 180 opensearch opensearch_health; }
elasticsearch_wait() { wait_until 180 elasticsearch elasticsearch_health; }
opensearch_stop() { stop_pid opensearch 60; }
elasticsearch_stop() { stop_pid elasticsearch 60; }
opensearch_status() { echo "opensearch     $OPENSEARCH_DIRECT_URL (direct)"; }
elasticsearch_status() { echo "elasticsearch  $ELASTICSEARCH_URL"; }
