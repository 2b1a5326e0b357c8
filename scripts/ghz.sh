#!/usr/bin/env bash
# Installs ghz, the gRPC load generator of `npm run loadtest` and `npm run bench`, into
# .foodmesh/bin (git-ignored, re-used across runs; ~1.5 min cold on 2 cores). Idempotent.
# Version: packages/loadtest/tools.env. GHZ_BIN_DIR installs elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../packages/loadtest/tools.env
. packages/loadtest/tools.env
bin="${GHZ_BIN_DIR:-$PWD/.foodmesh/bin}"
mkdir -p "$bin"
# shellcheck source=lib/go-install.sh
. scripts/lib/go-install.sh
go_install ghz ghz github.com/bojand/ghz/cmd/ghz "$GHZ_VERSION"
