// Generated code lives under ./gen and is imported by subpath, for example
// `@foodmesh/proto-gen/foodmesh/order/v1/order`. This file only lists the
// protobuf packages the contracts define.

/** The protobuf packages under proto/foodmesh, one per bounded context. */
export const PROTO_PACKAGES = [
  'foodmesh.common.v1',
  'foodmesh.events.v1',
  'foodmesh.order.v1',
  'foodmesh.payment.v1',
  'foodmesh.store.v1',
  'foodmesh.delivery.v1',
  'foodmesh.orderview.v1',
  'foodmesh.notification.v1',
  'foodmesh.edge.v1',
] as const;

/** One of the protobuf package names in {@link PROTO_PACKAGES}. */
export type ProtoPackage = (typeof PROTO_PACKAGES)[number];
