#!/usr/bin/env bash
# test_docker.sh - deploy/docker/Dockerfile without a Docker engine:
#  1. deploy_check.py docker: build stage on debian:bookworm asking only for
#     packages of deploy/install-deps.sh; runtime stage on bookworm-slim with
#     the package of every shared library the built binaries link (readelf +
#     dpkg) and no -dev package; non-root user; one target per program with
#     its ENTRYPOINT, a CMD the program knows, the metrics port of stack.env
#     and a HEALTHCHECK on /healthz; .dockerignore keeps .git and build trees out;
#  2. the build stage's own cmake command, run on the build context as
#     .dockerignore leaves it (no .git), builds the four programs and they
#     carry the GIT_HASH build argument.
set -uo pipefail
ROOT=${SPIDER_SOURCE_DIR:?}
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
/usr/bin/python3 "$ROOT/tests/unit/deploy_check.py" docker || fail=1

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ctx=$tmp/src
mkdir -p "$ctx"
# The context: the repository's files (tracked or not ignored), minus .dockerignore.
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$ctx" 2>/dev/null)
(
  cd "$ctx" && shopt -s globstar dotglob nullglob
  while read -r pat; do
    case $pat in ''|'#'*|'!'*) continue ;; esac
    for p in $pat; do rm -rf -- "$p"; done
  done <"$ROOT/.dockerignore"
)
check "build context has the sources and no .git" '[ -f "$ctx/CMakeLists.txt" ] && [ ! -e "$ctx/.git" ]'
# The RUN line of the build stage that calls cmake, with its paths moved here.
run=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$ROOT/deploy/docker/Dockerfile" | awk '/^FROM .* AS build/{b=1;next} /^FROM /{b=0} b && /^RUN cmake /{sub(/^RUN /,""); print}')
check "build stage has a RUN cmake line" '[ -n "$run" ]'
run=${run//\/build/$tmp/build}
run=${run//\$(nproc)/2}
out=$(cd "$ctx" && GIT_HASH=dockertest0123 bash -c "set -e; $run" 2>&1); rc=$?
check "the build stage's cmake command builds from the context" '[ $rc -eq 0 ]'
[ $rc -eq 0 ] || echo "$out" | tail -20
for p in spider-collector spider-differ spider-publisher spider-sim; do
  v=$("$tmp/build/$p" --version 2>&1)
  check "$p built, with the GIT_HASH build argument ($v)" '[[ $v == *"git dockertest0123"* ]]'
done
exit $fail
