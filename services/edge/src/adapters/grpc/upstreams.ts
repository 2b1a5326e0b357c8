import type { GrpcClient } from '@foodmesh/platform';
import type { DeliveryServiceService } from '@foodmesh/proto-gen/foodmesh/delivery/v1/delivery';
import type { NotificationServiceService } from '@foodmesh/proto-gen/foodmesh/notification/v1/notification';
import type { OrderServiceService } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import type { OrderViewServiceService } from '@foodmesh/proto-gen/foodmesh/orderview/v1/orderview';
import type { PaymentServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment';
import type { StoreServiceService } from '@foodmesh/proto-gen/foodmesh/store/v1/store';

/** The internal services the edge calls (clients made by rt.client: deadlines, policy, tracing). */
export interface Upstreams {
  order: GrpcClient<typeof OrderServiceService>;
  store: GrpcClient<typeof StoreServiceService>;
  delivery: GrpcClient<typeof DeliveryServiceService>;
  orderview: GrpcClient<typeof OrderViewServiceService>;
  notification: GrpcClient<typeof NotificationServiceService>;
  payment: GrpcClient<typeof PaymentServiceService>;
}
