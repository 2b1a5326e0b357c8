#!/usr/bin/env bash
# Installs what `npm run k8s:validate` needs, from the Go module proxy, into git-ignored
# caches: kustomize and kubeconform in .foodmesh/bin, and the Kubernetes OpenAPI spec, the
# Istio CRDs and the Prometheus Operator CRDs (in the Go module cache; their paths in
# .foodmesh/k8s-sources.env).
# Idempotent: a tool already at its pinned version is not rebuilt. Versions:
# packages/k8s-validate/tools.env. FOODMESH_ISTIOCTL=1 also builds istioctl (~5 min cold),
# which k8s:validate then runs too (`istioctl analyze --use-kube=false`).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=../packages/k8s-validate/tools.env
. packages/k8s-validate/tools.env
command -v go >/dev/null || { echo "k8s-tools: Go is required (the tools come from the Go module proxy)" >&2; exit 1; }
bin="$root/.foodmesh/bin"
mkdir -p "$bin"
# shellcheck source=lib/go-install.sh
. scripts/lib/go-install.sh
install() { go_install k8s-tools "$@"; }
install kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
install kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
if [ "${FOODMESH_ISTIOCTL:-0}" = 1 ]; then
  install istioctl istio.io/istio/istioctl/cmd/istioctl "$ISTIOCTL_VERSION"
fi

moddir() { # module version -> its directory in the module cache (downloaded if needed)
  go mod download -json "$1@$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}
k8s_dir=$(moddir k8s.io/kubernetes "$KUBERNETES_VERSION")
istio_dir=$(moddir istio.io/api "$ISTIO_API_VERSION")
promop_dir=$(moddir github.com/prometheus-operator/prometheus-operator "$PROMETHEUS_OPERATOR_VERSION")
swagger="$k8s_dir/api/openapi-spec/swagger.json"
crds="$istio_dir/kubernetes/customresourcedefinitions.gen.yaml"
monitoring_crds="$promop_dir/example/prometheus-operator-crd"
for f in "$swagger" "$crds" "$monitoring_crds/monitoring.coreos.com_prometheusrules.yaml"; do [ -s "$f" ] || { echo "k8s-tools: missing $f" >&2; exit 1; }; done
cat > "$root/.foodmesh/k8s-sources.env" <<ENV
KUBERNETES_SWAGGER=$swagger
ISTIO_CRDS=$crds
PROMETHEUS_OPERATOR_CRDS=$monitoring_crds
ENV
echo "k8s-tools: ready ($("$bin/kustomize" version), kubeconform $KUBECONFORM_VERSION, Kubernetes $KUBERNETES_VERSION schemas, Istio $ISTIO_API_VERSION CRDs, Prometheus Operator $PROMETHEUS_OPERATOR_VERSION CRDs$([ -x "$bin/istioctl" ] && echo ', istioctl'))"
