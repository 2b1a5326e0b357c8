#!/usr/bin/env bash
# Point-in-time restore of foodmesh-pg (CloudNativePG): prints a new Cluster bootstrapped from
# the prod overlay's backups (the last nightly base backup before the target, then the archived
# WAL replayed up to it). The running cluster is left alone: apply, check, then switch.
#
#   scripts/pg-restore.sh '2026-11-26 05:40:00+00' [foodmesh-pg-restored] | kubectl apply -f -
#   kubectl -n foodmesh wait cluster/foodmesh-pg-restored --for=condition=Ready --timeout=30m
#
# Then point the services at it (docs/deploy.md, "Restoring PostgreSQL to a point in time").
# The output passes k8s:validate's CloudNativePG schema, its settings are the prod overlay's, and
# the procedure is rehearsed with real PostgreSQL (packages/k8s-validate/test/k8s-validate.test.ts,
# packages/local-infra/test/point-in-time-restore.test.ts).
set -euo pipefail
target="${1:?usage: scripts/pg-restore.sh '<YYYY-MM-DD HH:MM:SS+00>' [new-cluster-name]}"
name="${2:-foodmesh-pg-restored}"
if ! [[ "$target" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}[\ T][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?([+-][0-9]{2}(:?[0-9]{2})?|Z)$ ]]; then
  echo "pg-restore: target time must be a timestamp with its zone, e.g. '2026-11-26 05:40:00+00' (got '$target')" >&2
  exit 2
fi
if ! [[ "$name" =~ ^[a-z]([-a-z0-9]*[a-z0-9])?$ ]] || [ "$name" = foodmesh-pg ]; then
  echo "pg-restore: '$name' must be a new cluster name (lower-case, not foodmesh-pg)" >&2
  exit 2
fi
# The image the running cluster uses (pinned by digest there): a restore replays WAL of that major.
image=$(sed -n 's/^  imageName: //p' "$(dirname "$0")/../k8s/base/data/postgres.yaml")
cat <<YAML
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: $name
  namespace: foodmesh
spec:
  instances: 3
  imageName: $image
  inheritedMetadata:
    labels:
      sidecar.istio.io/inject: "false"
  storage:
    size: 50Gi
  postgresql:
    parameters:
      max_connections: "400"
    synchronous: { method: any, number: 1, dataDurability: required }
  bootstrap:
    recovery:
      source: foodmesh-pg
      recoveryTarget:
        targetTime: "$target"
  externalClusters:
    - name: foodmesh-pg
      barmanObjectStore:
        destinationPath: s3://foodmesh-pg-backups/
        s3Credentials:
          accessKeyId: { name: pg-backup-s3, key: ACCESS_KEY_ID }
          secretAccessKey: { name: pg-backup-s3, key: SECRET_ACCESS_KEY }
        wal:
          compression: gzip
YAML
