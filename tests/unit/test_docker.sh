#!/usr/bin/env bash
# test_docker.sh - deploy/docker/Dockerfile without a Docker engine
# (deploy_check.py docker): build stage on debian:bookworm asking only for
# packages of deploy/install-deps.sh; runtime stage on bookworm-slim with the
# package of every shared library the built binaries link (readelf + dpkg)
# and no -dev package; non-root user; one target per program with its
# ENTRYPOINT, a CMD the program knows, the metrics port of stack.env and a
# HEALTHCHECK on /healthz; .dockerignore keeping .git and build trees out.
set -uo pipefail
exec /usr/bin/python3 "${SPIDER_SOURCE_DIR:?}/tests/unit/deploy_check.py" docker
