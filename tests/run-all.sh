#!/usr/bin/env bash
# run-all.sh - `make test`: unit tests (plain and ASan/UBSan builds), fuzz
# corpora, then integration tests against the local stack (plain and
# ASan/UBSan). Starts the stack
# if it is not up and stops it again afterwards if it started it.
set -uo pipefail
BUILD=${1:-build} BUILD_ASAN=${2:-build-asan} BUILD_FUZZ=${3:-build-fuzz}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
JOBS=$(nproc)
fail=0 started=0
passed=0 failed=0

step() { printf '\n== %s\n' "$*"; }

# ctest LABEL in BUILD_DIR, adding its counts to the totals.
suite() {
  local dir=$1 label=$2 out rc total bad
  shift 2
  out=$(cd "$dir" && "$@" ctest -L "$label" --output-on-failure -j "$JOBS" 2>&1); rc=$?
  printf '%s\n' "$out"
  read -r bad total < <(sed -nE 's/.* tests passed, ([0-9]+) tests failed out of ([0-9]+).*/\1 \2/p' <<<"$out" | tail -n 1)
  if [ -z "${total:-}" ]; then failed=$((failed + 1)); fail=1; return; fi
  passed=$((passed + total - bad))
  failed=$((failed + bad))
  [ "$rc" -eq 0 ] || fail=1
}

step "unit tests"
suite "$BUILD" unit env

step "unit tests under ASan + UBSan"
suite "$BUILD_ASAN" unit env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

step "fuzz corpora (regression run of every fuzzer)"
suite "$BUILD_FUZZ" fuzz env

step "local stack"
# Stops the stack if this run started it (also when interrupted).
finish() {
  trap - EXIT
  [ "$started" = 1 ] && { step "stopping the stack"; deploy/local/stack.sh down; }
}
trap finish EXIT
if ! deploy/local/stack.sh check >/dev/null 2>&1; then
  started=1
  deploy/local/stack.sh up || fail=1
fi

step "integration tests"
JOBS=1 suite "$BUILD" integration env

step "integration tests under ASan + UBSan (real network paths)"
JOBS=1 suite "$BUILD_ASAN" integration env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

finish
if [ "$fail" -ne 0 ]; then step "FAILED"; else step "all tests passed"; fi
# The closing line, in the plain form CI reads: every suite counted.
echo "make test: $passed passed, $failed failed"
exit "$fail"
