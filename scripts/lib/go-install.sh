# Sourced by the scripts that install pinned Go tools into .foodmesh/bin (git-ignored, kept across
# runs): `go_install <who> <binary> <package> <version>` builds it once; a binary already at its
# pinned version is not rebuilt. Needs $bin.
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

go_install() { # who name package version
  local who=$1 name=$2 pkg=$3 version=$4 stamp="$bin/.$2.version"
  if [ -x "$bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$pkg@$version" ]; then return; fi
  if ! command -v go >/dev/null; then
    echo "$who: Go is required to build $name (from the Go module proxy); install Go, then run: go install $pkg@$version" >&2
    exit 1
  fi
  echo "$who: go install $pkg@$version"
  local t0=$SECONDS
  if ! GOBIN="$bin" go install "$pkg@$version"; then
    echo "$who: building $name failed (output above); to retry by hand: GOBIN=$bin go install $pkg@$version" >&2
    exit 1
  fi
  echo "$pkg@$version" > "$stamp"
  echo "$who: $name built in $((SECONDS - t0)) s"
}
