#!/usr/bin/env bash
# test_compose.sh - docker-compose.yml is valid for Debian's docker-compose
# (`docker-compose config`; there is no Docker engine here to run it) and its
# published ports and credentials agree with deploy/local/stack.env, so the
# two ways of running the stack cannot drift apart. The spider services
# (spider-sim, collector, differ, publisher) are checked by
# deploy_check.py compose: present, built from deploy/docker/Dockerfile
# targets, healthchecks on the stack.env ports, depends_on conditions,
# replicas, the mounted --config files accepted by the real programs, the
# ActiveMQ secrets equal to stack.env's credentials.
set -uo pipefail
ROOT=${SPIDER_SOURCE_DIR:?}
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
out=$(docker-compose -f "$ROOT/docker-compose.yml" config 2>&1); rc=$?
check "docker-compose config accepts the file" '[ $rc -eq 0 ]'
[ $rc -eq 0 ] || echo "$out"
set -a; . "$ROOT/deploy/local/stack.env"; set +a
port() { echo "${1##*:}"; }
published() { grep -Eq "published: ['\"]?$1['\"]?\$" <<<"$out" || grep -q "127.0.0.1:$1:" <<<"$out"; }
check "kafka port $(port "$KAFKA_BOOTSTRAP")" 'published "$(port "$KAFKA_BOOTSTRAP")"'
check "stomp port $STOMP_PORT" 'published "$STOMP_PORT"'
check "elasticsearch port $(port "$ELASTICSEARCH_URL")" 'published "$(port "$ELASTICSEARCH_URL")"'
check "opensearch port $(port "$OPENSEARCH_DIRECT_URL")" 'published "$(port "$OPENSEARCH_DIRECT_URL")"'
check "spider-sim port $SIM_PORT" 'published "$SIM_PORT"'
check "stomp user" 'grep -q "ACTIVEMQ_CONNECTION_USER: $STOMP_USER" <<<"$out"'
check "stomp password" 'grep -q "ACTIVEMQ_CONNECTION_PASSWORD: $STOMP_PASSWORD" <<<"$out"'
if [ $rc -eq 0 ]; then
  cfg=$(mktemp); trap 'rm -f "$cfg"' EXIT
  printf '%s\n' "$out" >"$cfg"
  /usr/bin/python3 "$ROOT/tests/unit/deploy_check.py" compose "$cfg" || fail=1
fi
exit $fail
