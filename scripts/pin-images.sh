#!/usr/bin/env bash
# Pins every image foodmesh deploys by its digest, read from the registries (run it where they are
# reachable, with crane, skopeo or docker buildx on PATH), then `npm run k8s:validate`:
#  - the services' base image (Dockerfile ARG NODE_IMAGE) and PostgreSQL (k8s/base/data/postgres.yaml
#    imageName): their tag's current digest, written in place;
#  - the Kafka image of the pinned Strimzi release and Kafka version: spec.kafka.image in
#    k8s/base/data/kafka.yaml;
#  - foodmesh's own images as the prod overlay names them (push them first): `digest:` in its images;
#  - the operators' images (installed by helm / kubectl, docs/deploy.md step 3): printed.
# The digests come from the registry, so check the diff before committing it.
#
#   scripts/pin-images.sh            # all of the above
set -euo pipefail
cd "$(dirname "$0")/.."
# The operator releases docs/deploy.md installs (step 3, and why these).
STRIMZI_VERSION=1.2.0
CNPG_VERSION=1.30.0

digest() { # image reference (tag, any digest dropped) -> sha256:…
  local ref="${1%@*}"
  if command -v crane >/dev/null; then crane digest "$ref"
  elif command -v skopeo >/dev/null; then skopeo inspect --format '{{.Digest}}' "docker://$ref"
  elif command -v docker >/dev/null; then docker buildx imagetools inspect "$ref" --format '{{json .Manifest}}' | sed -n 's/.*"digest":"\(sha256:[0-9a-f]\{64\}\)".*/\1/p' | head -1
  else echo "pin-images: needs crane, skopeo or docker buildx" >&2; exit 1
  fi
}
pinned() { local d; d=$(digest "$1"); [[ "$d" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "pin-images: no digest for $1" >&2; exit 1; }; echo "${1%@*}@$d"; }
replace() { # file, sed-escaped pattern (old line), new line
  local tmp; tmp=$(mktemp); sed "s|$2|$3|" "$1" > "$tmp" && cat "$tmp" > "$1" && rm -f "$tmp"
}

node_image=$(sed -n 's/^ARG NODE_IMAGE=//p' Dockerfile)
replace Dockerfile "^ARG NODE_IMAGE=.*" "ARG NODE_IMAGE=$(pinned "$node_image")"
pg_image=$(sed -n 's/^  imageName: //p' k8s/base/data/postgres.yaml)
replace k8s/base/data/postgres.yaml "^  imageName: .*" "  imageName: $(pinned "$pg_image")"

kafka_version=$(sed -n 's/^    version: //p' k8s/base/data/kafka.yaml)
kafka_image=$(pinned "quay.io/strimzi/kafka:$STRIMZI_VERSION-kafka-$kafka_version")
if grep -q '^    image: ' k8s/base/data/kafka.yaml; then replace k8s/base/data/kafka.yaml "^    image: .*" "    image: $kafka_image"
else replace k8s/base/data/kafka.yaml "^    version: $kafka_version\$" "    version: $kafka_version\n    image: $kafka_image"
fi

# - { name: foodmesh/order, newName: <registry>/foodmesh/order, newTag: "0.1.0"[, digest: sha256:…] }
while read -r name tag; do
  d=$(digest "$name:$tag")
  replace k8s/overlays/prod/kustomization.yaml "newName: $name, newTag: \"$tag\"[^}]*}" "newName: $name, newTag: \"$tag\", digest: $d }"
done < <(sed -n 's/.*newName: \([^,]*\), newTag: "\([^"]*\)".*/\1 \2/p' k8s/overlays/prod/kustomization.yaml)

echo "pin-images: the operators' images (docs/deploy.md step 3):"
pinned "quay.io/strimzi/operator:$STRIMZI_VERSION"
pinned "ghcr.io/cloudnative-pg/cloudnative-pg:$CNPG_VERSION"
echo "pin-images: done; review \`git diff\`, then npm run k8s:validate"
