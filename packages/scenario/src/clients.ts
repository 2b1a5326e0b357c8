import { OrderServiceService } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { PaymentAdminServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment_admin';
import { StoreServiceService } from '@foodmesh/proto-gen/foodmesh/store/v1/store';
import { DeliveryServiceService } from '@foodmesh/proto-gen/foodmesh/delivery/v1/delivery';
import { OrderViewServiceService } from '@foodmesh/proto-gen/foodmesh/orderview/v1/orderview';
import { NotificationServiceService } from '@foodmesh/proto-gen/foodmesh/notification/v1/notification';
import { createGrpcClient, identityMetadata, loadMeshPolicy, type Identity, type ServiceDef } from '@foodmesh/platform';

/** One client per service, speaking as the internal callers would (identity in metadata). */
export function connectClients(addresses: Record<string, string>) {
  const policy = loadMeshPolicy();
  const client = <D extends ServiceDef>(def: D, service: string) => {
    const address = addresses[service];
    if (!address) throw new Error(`the stack has no ${service} service`);
    // mesh mode: no client retries, so the scenario sees exactly what a caller sees.
    return createGrpcClient(def, { address, upstream: service, policy, resilienceMode: 'mesh', caller: 'scenario' });
  };
  const clients = {
    order: client(OrderServiceService, 'order'),
    paymentAdmin: client(PaymentAdminServiceService, 'payment'),
    store: client(StoreServiceService, 'store'),
    delivery: client(DeliveryServiceService, 'delivery'),
    orderview: client(OrderViewServiceService, 'orderview'),
    notification: client(NotificationServiceService, 'notification'),
  };
  return {
    ...clients,
    as: (id: Identity) => ({ metadata: identityMetadata(id) }),
    close: () => Object.values(clients).forEach((c) => c.close()),
  };
}
export type Clients = ReturnType<typeof connectClients>;
