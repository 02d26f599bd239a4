#!/usr/bin/env bash
# install-deps.sh - installs the Debian packages spider builds, tests and runs
# with. Idempotent and quiet when everything is already there; `make` calls it.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config git
  librdkafka-dev libprotobuf-c-dev protobuf-c-compiler libjansson-dev
  libcurl4-openssl-dev libmicrohttpd-dev libssl-dev libcmocka-dev zlib1g-dev
  # fuzzing (libFuzzer) and leak checks
  clang libclang-rt-14-dev valgrind
  # the local stack: Kafka and the search servers run on the JDK, resolved by mvn
  default-jre-headless maven activemq nginx-light openssl curl procps
  # interop tests with a client we did not write; compose file validation
  python3 python3-stomp docker-compose
  # deploy/ checks (tests/unit/deploy_check.py, test_systemd.sh)
  python3-yaml systemd
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: missing packages (${missing[*]}) and not root" >&2; exit 1; }
  SUDO=(sudo)
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts these services on install; the local stack runs its own.
for svc in nginx activemq; do
  "${SUDO[@]}" systemctl disable --now "$svc" >/dev/null 2>&1 || "${SUDO[@]}" service "$svc" stop >/dev/null 2>&1 || true
done
