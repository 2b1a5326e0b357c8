#!/usr/bin/env bash
# buf breaking: the protos must stay wire- and source-compatible with a base.
# Base: $BUF_BREAKING_AGAINST (a git ref), else origin/main when it differs from
# HEAD (a developer's branch), else HEAD~1 (CI on main: what this landing changed).
set -euo pipefail
cd "$(dirname "$0")/.."
base="${BUF_BREAKING_AGAINST:-}"
if [ -z "$base" ]; then
  if git rev-parse -q --verify origin/main >/dev/null && [ "$(git rev-parse origin/main)" != "$(git rev-parse HEAD)" ]; then
    base=origin/main
  elif git rev-parse -q --verify HEAD~1 >/dev/null; then
    base=HEAD~1
  fi
fi
if [ -z "$base" ] || ! git cat-file -e "$base:proto" 2>/dev/null; then
  echo "buf breaking: no base with protos to compare against (${base:-none}); skipped"
  exit 0
fi
echo "buf breaking: comparing proto/ with $base"
npx buf breaking --against ".git#ref=$(git rev-parse "$base")"
