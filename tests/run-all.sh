#!/usr/bin/env bash
# run-all.sh - `make test`: unit tests (plain and ASan/UBSan builds), fuzz
# corpora, then integration tests against the local stack. Starts the stack
# if it is not up and stops it again afterwards if it started it.
set -uo pipefail
BUILD=${1:-build} BUILD_ASAN=${2:-build-asan} BUILD_FUZZ=${3:-build-fuzz}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
JOBS=$(nproc)
fail=0

step() { printf '\n== %s\n' "$*"; }

step "unit tests"
(cd "$BUILD" && ctest -L unit --output-on-failure -j "$JOBS") || fail=1

step "unit tests under ASan + UBSan"
(cd "$BUILD_ASAN" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest -L unit --output-on-failure -j "$JOBS") || fail=1

step "fuzz corpora (regression run of every fuzzer)"
(cd "$BUILD_FUZZ" && ctest -L fuzz --output-on-failure -j "$JOBS") || fail=1

step "local stack"
started=0
if ! deploy/local/stack.sh check >/dev/null 2>&1; then
  started=1
  deploy/local/stack.sh up || fail=1
fi
[ "$started" = 1 ] && trap 'step "stopping the stack"; deploy/local/stack.sh down' EXIT

step "integration tests"
(cd "$BUILD" && ctest -L integration --output-on-failure) || fail=1

if [ "$fail" -ne 0 ]; then
  step "FAILED"
  exit 1
fi
step "all tests passed"
