# clusters.sh - sourced by the shell integration tests that talk to both
# search clusters of the local stack (stack.env in the environment):
#   check NAME EXPR          evaluate EXPR, print ok/FAIL, remember failures in $fail
# and deploy/local/clusters.sh's write_es_conf, cluster_url, cluster_curl.
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
. "$(dirname "${BASH_SOURCE[0]}")/../../deploy/local/clusters.sh"
