#!/usr/bin/env bash
# run.sh BUILD - `make bench`: runs every benchmark and prints its figures.
# Each benchmark measures a ratio against a baseline in the same run.
set -euo pipefail
BUILD=${1:-build}
for b in "$BUILD"/bench_* "$(dirname "$0")"/*.sh; do
  [ "$(basename "$b")" = run.sh ] && continue
  [ -x "$b" ] || continue
  case "$b" in *.sh) "$b" "$BUILD" ;; *) "$b" ;; esac
  echo
done
