import type { CallOptions, PromiseClient, PromSample, User } from '@foodmesh/platform';
import type { DeliveryServiceService } from '@foodmesh/proto-gen/foodmesh/delivery/v1/delivery';
import type { NotificationServiceService } from '@foodmesh/proto-gen/foodmesh/notification/v1/notification';
import type { OrderServiceService } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import type { OrderViewServiceService } from '@foodmesh/proto-gen/foodmesh/orderview/v1/orderview';
import type { PaymentServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment';
import type { StoreServiceService } from '@foodmesh/proto-gen/foodmesh/store/v1/store';

/**
 * The internal services the edge calls. A failure arrives as the platform's DomainError when
 * its status may reach the browser as it is (NOT_FOUND, PERMISSION_DENIED, UNAVAILABLE…), as
 * the raw error otherwise (adapters/grpc/upstreams.ts).
 */
export interface Upstreams {
  order: PromiseClient<typeof OrderServiceService>;
  store: PromiseClient<typeof StoreServiceService>;
  delivery: PromiseClient<typeof DeliveryServiceService>;
  orderview: PromiseClient<typeof OrderViewServiceService>;
  notification: PromiseClient<typeof NotificationServiceService>;
  payment: PromiseClient<typeof PaymentServiceService>;
}

/** The verified user of a call and how to call internal services on their behalf. */
export interface Caller {
  user: User & { token: string; expiresAt: Date };
  /** The user's own token, forwarded, and the inbound call's cancellation. */
  upstream: CallOptions;
}

/** One sample of an instant query: its labels and value. */
export type Sample = PromSample;

/** Where the operations page's figures come from (Prometheus's HTTP API; adapters/http/prometheus.ts). */
export interface MetricsSource {
  instant(expr: string, signal: AbortSignal): Promise<Sample[]>;
}
