#!/usr/bin/env bash
# demo.sh - `make demo`: brings up the local stack and shows it healthy.
# `demo.sh down` stops it. The pipeline itself (spider-sim → collector →
# differ → publisher) joins the demo as the services land.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if [ "${1:-}" = down ]; then
  exec deploy/local/stack.sh down
fi
deploy/local/stack.sh up
echo
deploy/local/stack.sh status
set -a; . deploy/local/stack.env; set +a
echo
echo "Try:"
echo '  (. deploy/local/stack.env; curl --cacert "$OPENSEARCH_CA" -u "$OPENSEARCH_USER:$OPENSEARCH_PASSWORD" "$OPENSEARCH_URL/_cat/indices")'
echo "  curl $ELASTICSEARCH_URL/_cluster/health"
echo "  build/spider-collector --help"
echo "Stop with: make demo-down"
