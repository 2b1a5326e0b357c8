#!/usr/bin/env bash
# Installs Prometheus and promtool (the pinned version in observability/tools.env) from the Go
# module proxy into .foodmesh/bin (git-ignored). Used by `npm start -- --observe`, by the tests
# that start Prometheus or check the recording rules, and by .ci/run. Idempotent: a binary at
# its pinned version is not rebuilt; concurrent runs wait for one build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=../observability/tools.env
. observability/tools.env
bin="$root/.foodmesh/bin"
stamp="$bin/.prometheus.version"
want="github.com/prometheus/prometheus@$PROMETHEUS_VERSION"
ready() { [ -x "$bin/prometheus" ] && [ -x "$bin/promtool" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; }
if ready; then exit 0; fi
if ! command -v go >/dev/null; then
  echo "observability-tools: Go is required to build Prometheus $PROMETHEUS_VERSION (from the Go module proxy);" >&2
  echo "  install it (https://go.dev/dl/, or: apt-get install -y golang) and run: bash scripts/observability-tools.sh" >&2
  exit 1
fi
mkdir -p "$bin"
exec 9>"$bin/.prometheus.lock"
flock 9
if ready; then exit 0; fi # built by a concurrent run meanwhile
echo "observability-tools: building Prometheus and promtool $PROMETHEUS_VERSION from the Go module proxy (first run only, ~5 min on 2 cores)…"
t0=$SECONDS
# A heartbeat: the build prints nothing for minutes.
( while sleep 30; do echo "observability-tools: still building ($((SECONDS - t0)) s)…"; done ) &
beat=$!
trap 'kill $beat 2>/dev/null || true' EXIT
if ! GOFLAGS="${GOFLAGS:-} -buildvcs=false" GOBIN="$bin" go install \
    "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_VERSION" \
    "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION"; then
  echo "observability-tools: the build failed (see above); retry with: bash scripts/observability-tools.sh" >&2
  exit 1
fi
echo "$want" > "$stamp"
echo "observability-tools: Prometheus and promtool $PROMETHEUS_VERSION built in $((SECONDS - t0)) s"
