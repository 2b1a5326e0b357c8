import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { createClient, type Client } from '@connectrpc/connect';
import { createGrpcWebTransport } from '@connectrpc/connect-node';
import type { DescService } from '@bufbuild/protobuf';
import type { RunningStack } from '@foodmesh/local-infra';
import { type CallOptions, type ServiceDef } from '@foodmesh/platform';
import { testClient, testIdentity } from '@foodmesh/testkit';
import { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import { AuthServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/auth';
import { CustomerServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/customer';
import { NotificationsServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/notifications';
import { OpsServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/ops';
import { OwnerServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/owner';
import { RiderServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/rider';

export const STORE = 'store-gangnam-chicken';
export const HOME = { region: 'seoul-gangnam', location: { lat: 37.5006, lng: 127.0364 }, text: 'Teheran-ro 212, Gangnam-gu' };

export const addressesOf = (stack: RunningStack) => Object.fromEntries(stack.services.map((s) => [s.name, s.address]));

/** grpc-js clients of the edge's public API (what a native app or grpcurl would use). */
export function edgeGrpcClients(address: string) {
  const client = <D extends ServiceDef>(def: D) => testClient(def, address);
  const clients = {
    auth: client(AuthServiceService),
    customer: client(CustomerServiceService),
    owner: client(OwnerServiceService),
    rider: client(RiderServiceService),
    notifications: client(NotificationsServiceService),
    ops: client(OpsServiceService),
  };
  return { ...clients, close: () => Object.values(clients).forEach((c) => c.close()) };
}

export const bearer = (token: string): CallOptions => {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return { metadata };
};

/** gRPC-web clients over HTTP/1.1, exactly as the browser talks to the edge. */
export function edgeWebClient<S extends DescService>(service: S, baseUrl: string, token?: string): Client<S> {
  const transport = createGrpcWebTransport({
    baseUrl,
    httpVersion: '1.1',
    interceptors: token ? [(next) => (req) => (req.header.set('authorization', `Bearer ${token}`), next(req))] : [],
  });
  return createClient(service, transport);
}

/** The gRPC status name a call ended with ("OK" when it succeeded). */
export const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'OK',
    (e: { code?: number }) => grpc.status[e.code ?? grpc.status.UNKNOWN] ?? String(e.code),
  );

/** The status a server stream ends with after its first message (or before it). */
export async function streamOutcome(stream: AsyncIterable<unknown>): Promise<string> {
  try {
    for await (const _ of stream) return 'OK';
    return 'OK';
  } catch (e) {
    return grpc.status[(e as { code: number }).code] ?? String((e as { code: number }).code);
  }
}

export const placeRequest = () => ({
  storeId: STORE,
  items: [{ menuItemId: 'chk-fried', quantity: 1 }],
  deliveryAddress: HOME,
  idempotencyKey: randomUUID(),
  expectedTotal: undefined,
  paymentMethod: PaymentMethod.PAYMENT_METHOD_CARD,
});
