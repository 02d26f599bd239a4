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
  # integration tests read Kafka back with a client we did not write
  kcat bc
  # shell tests read JSON reports
  jq
  # robustness tests produce poison records and read dead letters with a real client
  kcat
  # deploy/ checks (tests/unit/deploy_check.py, test_systemd.sh)
  python3-yaml systemd python3-venv
  # Prometheus alert rules (tests/unit/test_alerts.sh: promtool)
  prometheus
  # packaging: man pages from --help (cmake --install, cpack -G DEB)
  help2man
  # docs/structure.sh (unit.structure): function extents
  universal-ctags
  # the compare report rendered in a real browser (tests/unit/test_compare_html.sh)
  chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
done

SUDO=()
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: missing packages (${missing[*]}) and not root" >&2; exit 1; }
  SUDO=(sudo)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts these services on install; the local stack runs its own
  # (prometheus is here for promtool, and for its server, which
  # integration.prometheus runs as a plain process of its own).
  for svc in nginx activemq prometheus; do
    "${SUDO[@]}" systemctl disable --now "$svc" >/dev/null 2>&1 || "${SUDO[@]}" service "$svc" stop >/dev/null 2>&1 || true
  done
fi

# Python tools from PyPI, pinned, each in a venv of Debian's python3 under
# SPIDER_TOOLS_DIR (default /var/tmp/spider-tools), rebuilt only when its pins
# change. venv NAME REQUIREMENTS CHECK-COMMAND...
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=${SPIDER_TOOLS_DIR:-/var/tmp/spider-tools}
venv() {
  local name=$1 req=$2 dir want
  shift 2
  dir=$TOOLS/$name
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if [ "$(cat "$dir/.requirements.sha256" 2>/dev/null)" = "$want" ] && (cd "$dir" && "$@") >/dev/null 2>&1; then
    return
  fi
  echo "install-deps: $name ($req) into $dir" >&2
  rm -rf "$dir"
  /usr/bin/python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check --no-cache-dir -r "$req"
  echo "$want" >"$dir/.requirements.sha256"
}

# kubernetes-validate for tests/unit/test_k8s.sh (no Debian package validates
# manifests offline).
venv k8s-venv "$ROOT/tests/k8s-validate-requirements.txt" bin/kubernetes-validate --version
# HTCondor's own ClassAd library (the htcondor wheel's classic `classad`
# bindings, the API the reference spider uses): the oracle of the fidelity tests.
venv oracle-venv "$ROOT/tests/oracle-requirements.txt" bin/python -c 'import classad, htcondor'
