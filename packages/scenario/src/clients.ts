import { OrderServiceService } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { PaymentAdminServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment_admin';
import { StoreServiceService } from '@foodmesh/proto-gen/foodmesh/store/v1/store';
import { DeliveryServiceService } from '@foodmesh/proto-gen/foodmesh/delivery/v1/delivery';
import { OrderViewServiceService } from '@foodmesh/proto-gen/foodmesh/orderview/v1/orderview';
import { NotificationServiceService } from '@foodmesh/proto-gen/foodmesh/notification/v1/notification';
import type { LocalIdentity } from '@foodmesh/local-infra';
import { createGrpcClient, loadMeshPolicy, type ServiceDef, type User, type WorkloadCredential } from '@foodmesh/platform';

/**
 * One client per service, speaking as their real callers would: the edge's workload identity with
 * the user's token where it acts for one (`as`), and the `ops` workload for the fault knob.
 */
export function connectClients(addresses: Record<string, string>, identity: LocalIdentity) {
  const policy = loadMeshPolicy();
  const client = <D extends ServiceDef>(def: D, service: string, workloadIdentity: WorkloadCredential = identity.workload('edge')) => {
    const address = addresses[service];
    if (!address) throw new Error(`the stack has no ${service} service`);
    // mesh mode: no client retries, so the scenario sees exactly what a caller sees.
    return createGrpcClient(def, { address, upstream: service, policy, resilienceMode: 'mesh', caller: 'scenario', workloadIdentity });
  };
  const clients = {
    order: client(OrderServiceService, 'order'),
    paymentAdmin: client(PaymentAdminServiceService, 'payment', identity.workload('ops')),
    store: client(StoreServiceService, 'store'),
    delivery: client(DeliveryServiceService, 'delivery'),
    orderview: client(OrderViewServiceService, 'orderview'),
    notification: client(NotificationServiceService, 'notification'),
  };
  return {
    ...clients,
    as: (user: User) => identity.asUser(user),
    close: () => Object.values(clients).forEach((c) => c.close()),
  };
}
export type Clients = ReturnType<typeof connectClients>;
