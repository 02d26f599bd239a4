#!/usr/bin/env bash
# test_k8s.sh - deploy/k8s, offline:
#  1. every manifest validates against the Kubernetes JSON schemas in strict
#     mode (unknown fields are errors) with kubernetes-validate, for the
#     oldest and the newest Kubernetes it knows that we support
#     (deploy/install-deps.sh installs it: tests/k8s-validate-requirements.txt);
#  2. deploy_check.py k8s: the structure a deployment needs (Deployments with
#     replicas, probes on /healthz of the metrics port, Prometheus
#     annotations, resources, non-root security contexts, images that are
#     Dockerfile targets tagged by the version of lib/version.h, a metrics
#     Service and a PodDisruptionBudget (one pod may go, one stays) per
#     Deployment, ports of stack.env, --config files from the
#     ConfigMap loaded by the real programs, Secrets as placeholders).
set -uo pipefail
ROOT=${SPIDER_SOURCE_DIR:?}
VENV=${SPIDER_TOOLS_DIR:-/var/tmp/spider-tools}/k8s-venv
VERSIONS=${K8S_VERSIONS:-1.27.0 1.37.0}
fail=0
kv=$VENV/bin/kubernetes-validate
if ! "$kv" --version >/dev/null 2>&1; then
  echo "FAIL: kubernetes-validate not found in $VENV (run deploy/install-deps.sh)"
  fail=1
else
  echo "ok: kubernetes-validate $("$kv" --version)"
  manifests=()
  for f in "$ROOT"/deploy/k8s/*.yaml; do
    [ "$(basename "$f")" = kustomization.yaml ] || manifests+=("$f")
  done
  for v in $VERSIONS; do
    out=$("$kv" --strict -k "$v" "${manifests[@]}" 2>&1); rc=$?
    n=$(grep -c '^INFO .* passed for resource' <<<"$out")
    if [ $rc -eq 0 ] && ! grep -Eq '^(WARN|ERROR)' <<<"$out" && [ "$n" -gt 0 ]; then
      echo "ok: Kubernetes $v schemas (strict): $n resources valid"
    else
      echo "FAIL: Kubernetes $v schemas (strict)"; echo "$out" | grep -v '^INFO'; fail=1
    fi
  done
fi
/usr/bin/python3 "$ROOT/tests/unit/deploy_check.py" k8s || fail=1
exit $fail
