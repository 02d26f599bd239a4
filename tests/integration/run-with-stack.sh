#!/usr/bin/env bash
# run-with-stack.sh TEST [ARGS...] - runs one integration test with the local
# stack's endpoints (deploy/local/stack.env) in its environment. A server that
# is down makes the test fail, never skip. On failure, prints the tail of
# every server log so the cause is in the test output.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
set -a
# shellcheck source=../../deploy/local/stack.env
. "$ROOT/deploy/local/stack.env"
set +a
export SPIDER_SOURCE_DIR=${SPIDER_SOURCE_DIR:-$ROOT}
"$@"
rc=$?
if [ $rc -ne 0 ]; then
  echo "---- $1 failed (exit $rc); stack status and log tails:" >&2
  "$ROOT/deploy/local/stack.sh" status >&2 || true
  for f in "$STACK_DIR"/logs/*.log; do
    [ -f "$f" ] || continue
    echo "---- tail $f" >&2
    tail -n 30 "$f" >&2
  done
fi
exit $rc
