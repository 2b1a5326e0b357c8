import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, type RunningStack } from '@foodmesh/local-infra';
import { createTokenVerifier, generateSigningKey, keySetOf, signJwt, type PrivateJwk } from '@foodmesh/platform';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import { PaymentOutcome } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { PaymentStatus } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment';
import { eventually, startTestStack, testIdentity, testLogger, testServiceEnv } from '@foodmesh/testkit';
import { loadConfig } from '../src/config';
import { AuthService } from '../src/gen/foodmesh/edge/v1/auth_pb';
import { CustomerService } from '../src/gen/foodmesh/edge/v1/customer_pb';
import { startEdgeService, type RunningEdge } from '../src/service';
import { addressesOf, bearer, edgeGrpcClients, edgeWebClient, HOME, outcome, placeRequest, streamOutcome } from './edge-fixture';

/** A customer-1 token as the local identity provider signs them, with changes. */
const craftToken = (opts: { key?: PrivateJwk; issuer?: string; audience?: string; now?: number } = {}) =>
  signJwt(
    opts.key ?? testIdentity.keys.user,
    { sub: 'customer-1', role: 'customer' },
    {
      issuer: opts.issuer ?? LOCAL_ISSUER,
      audience: opts.audience ?? LOCAL_AUDIENCE,
      ttlSeconds: 600,
      now: opts.now,
    },
  ).token;

/** The edge's settings for a test, on testIdentity's keys with demo sign-in on. */
const edgeEnv = (namespace: string, stack: RunningStack, extra: Record<string, string> = {}) => {
  const addr = addressesOf(stack);
  return testServiceEnv({
    service: 'edge',
    namespace,
    extra: {
      HTTP_PORT: '0',
      WEB_ROOT: '',
      DEMO_SIGN_IN: 'on',
      ...testIdentity.demoSignInEnv(),
      ORDER_ADDR: addr.order!,
      STORE_ADDR: addr.store!,
      DELIVERY_ADDR: addr.delivery!,
      ORDERVIEW_ADDR: addr.orderview!,
      NOTIFICATION_ADDR: addr.notification!,
      PAYMENT_ADDR: addr.payment!,
      ...extra,
    },
  });
};

/**
 * The edge's authorization rules with real tokens, against the real services
 * (every service of the repository as `npm start` runs it), over gRPC and over
 * gRPC-web: who may call, and whose orders, stores and deliveries they reach.
 */
describe('edge authorization', () => {
  let stack: RunningStack;
  let edge: RunningEdge;
  let grpcApi: ReturnType<typeof edgeGrpcClients>;
  let webUrl: string;
  const tokens: Record<string, string> = {};
  let orderId = '';

  let namespace = '';

  beforeAll(async () => {
    const started = await startTestStack('authz');
    stack = started.stack;
    namespace = started.namespace;
    edge = await startEdgeService(loadConfig(edgeEnv(namespace, stack)), { logger: testLogger('edge') });
    grpcApi = edgeGrpcClients(`127.0.0.1:${edge.grpcPort}`);
    webUrl = `http://127.0.0.1:${edge.httpPort}`;
    for (const user of ['customer-1', 'customer-2', 'owner-1', 'owner-2', 'rider-1', 'rider-3', 'ops-1']) {
      tokens[user] = (await grpcApi.auth.signIn({ userId: user })).token;
    }
  }, 120_000);

  afterAll(async () => {
    grpcApi?.close();
    await edge?.stop();
    await stack?.stop();
  });

  it('signs a demo user in and knows them by their token, over gRPC and gRPC-web', async () => {
    const { user, expiresAt } = await grpcApi.auth.getCurrentUser({}, bearer(tokens['customer-1']!));
    expect(user).toMatchObject({ userId: 'customer-1', displayName: 'Kim Jisoo' });
    expect(expiresAt!.getTime()).toBeGreaterThan(Date.now());

    const web = edgeWebClient(AuthService, webUrl);
    const signedIn = await web.signIn({ userId: 'owner-1' });
    expect(signedIn.user).toMatchObject({ userId: 'owner-1', storeId: 'store-gangnam-chicken' });
    const me = await edgeWebClient(AuthService, webUrl, signedIn.token).getCurrentUser({});
    expect(me.user?.userId).toBe('owner-1');
  });

  it('answers NOT_FOUND for signing in as an unknown user', async () => {
    expect(await outcome(grpcApi.auth.signIn({ userId: 'mallory' }))).toBe('NOT_FOUND');
  });

  it('rejects a call with no token, a malformed header, or a forged, expired, wrong-issuer, wrong-audience or unknown-kid token as UNAUTHENTICATED', async () => {
    const expired = craftToken({ now: Date.now() - 3600_000 });
    const unknownKid = craftToken({ key: generateSigningKey('not-published') });
    const forged = craftToken({ key: generateSigningKey(testIdentity.keys.user.kid) }); // a published kid, another key
    const wrongIssuer = craftToken({ issuer: 'https://evil.example.com/' });
    const wrongAudience = craftToken({ audience: 'another-app' });
    // A valid token of customer-2 with its payload swapped for customer-1's: the signature no longer matches.
    const [head, , sig] = tokens['customer-2']!.split('.');
    const [, body1] = tokens['customer-1']!.split('.');
    const tampered = `${head}.${body1}.${sig}`;
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${body1}.`;
    // What the edge used to accept: HS256 with a shared secret.
    const hsInput = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${body1}`;
    const hmac = `${hsInput}.${createHmac('sha256', 'foodmesh-dev-only-secret-do-not-use-in-production').update(hsInput).digest('base64url')}`;
    const listStores = { region: HOME.region, page: undefined };

    expect(await outcome(grpcApi.customer.listStores(listStores))).toBe('UNAUTHENTICATED');
    const basic = new Metadata();
    basic.set('authorization', 'Basic Y3VzdG9tZXItMTo=');
    expect(await outcome(grpcApi.customer.listStores(listStores, { metadata: basic }))).toBe('UNAUTHENTICATED');
    const refused = { expired, unknownKid, forged, wrongIssuer, wrongAudience, tampered, unsigned, hmac };
    const outcomes = await Promise.all(Object.values(refused).map((token) => outcome(grpcApi.customer.listStores(listStores, bearer(token)))));
    expect(Object.fromEntries(Object.keys(refused).map((k, i) => [k, outcomes[i]]))).toEqual(
      Object.fromEntries(Object.keys(refused).map((k) => [k, 'UNAUTHENTICATED'])),
    );
    expect(await outcome(grpcApi.customer.listStores(listStores, bearer(tokens['customer-1']!)))).toBe('OK');
    expect(await outcome(grpcApi.customer.listStores(listStores, bearer(craftToken())))).toBe('OK');

    // The same over gRPC-web, the browser's way in.
    expect(await outcome(edgeWebClient(CustomerService, webUrl).listStores({ region: HOME.region }))).toBe('UNAUTHENTICATED');
    expect(await outcome(edgeWebClient(CustomerService, webUrl, expired).listStores({ region: HOME.region }))).toBe('UNAUTHENTICATED');
    expect(await outcome(edgeWebClient(CustomerService, webUrl, unknownKid).listStores({ region: HOME.region }))).toBe('UNAUTHENTICATED');
    expect(await outcome(edgeWebClient(CustomerService, webUrl, tokens['customer-1']).listStores({ region: HOME.region }))).toBe('OK');
  });

  it('serves the demo key set at /.well-known/jwks.json, and a remote key set verifies its tokens', async () => {
    const res = await fetch(`${webUrl}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(keySetOf(testIdentity.keys.user)); // the public half only
    const remote = createTokenVerifier({
      keys: new URL(`${webUrl}/.well-known/jwks.json`),
      issuer: LOCAL_ISSUER,
      audience: LOCAL_AUDIENCE,
      remedy: 'sign in again',
    });
    expect((await remote.verify(tokens['owner-1']!)).claims).toMatchObject({
      sub: 'owner-1',
      role: 'owner',
      store_id: 'store-gangnam-chicken',
      name: 'Choi Hana',
    });
  });

  it('accepts the old and the new key during a rotation', async () => {
    const next = generateSigningKey('local-users-next');
    const rotated = await startEdgeService(
      loadConfig(edgeEnv(namespace, stack, { AUTH_JWKS: JSON.stringify(keySetOf(testIdentity.keys.user, next)), DEMO_SIGNING_KEY: JSON.stringify(next) })),
      { logger: testLogger('edge') },
    );
    const api = edgeGrpcClients(`127.0.0.1:${rotated.grpcPort}`);
    try {
      const fresh = await api.auth.signIn({ userId: 'customer-2' });
      expect(JSON.parse(Buffer.from(fresh.token.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'ES256', kid: 'local-users-next' });
      expect((await api.auth.getCurrentUser({}, bearer(fresh.token))).user?.userId).toBe('customer-2');
      expect((await api.auth.getCurrentUser({}, bearer(tokens['customer-1']!))).user?.userId).toBe('customer-1'); // signed with the old key
      expect(await outcome(api.auth.getCurrentUser({}, bearer(craftToken({ key: generateSigningKey('retired') }))))).toBe('UNAUTHENTICATED');
    } finally {
      api.close();
      await rotated.stop();
    }
  });

  it('refuses to start with demo sign-in when FOODMESH_ENV=production', () => {
    const main = path.resolve(__dirname, '../dist/main.js');
    const run = spawnSync(process.execPath, [main], { env: { ...edgeEnv(namespace, stack), FOODMESH_ENV: 'production' }, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toContain('DEMO_SIGN_IN: must be off when FOODMESH_ENV=production');
  });

  it('refuses a token of the wrong role with PERMISSION_DENIED', async () => {
    expect(await outcome(grpcApi.owner.listStoreOrders({ status: 0, page: undefined }, bearer(tokens['customer-1']!)))).toBe('PERMISSION_DENIED');
    expect(await outcome(grpcApi.customer.placeOrder(placeRequest(), bearer(tokens['rider-1']!)))).toBe('PERMISSION_DENIED');
    expect(await outcome(grpcApi.rider.listMyDeliveries({ page: undefined }, bearer(tokens['owner-1']!)))).toBe('PERMISSION_DENIED');
  });

  it("lets a customer follow their own order and answers PERMISSION_DENIED for another customer's", async () => {
    const placed = await grpcApi.customer.placeOrder(placeRequest(), bearer(tokens['customer-1']!));
    expect(placed.paymentOutcome).toBe(PaymentOutcome.PAYMENT_OUTCOME_PAID);
    orderId = placed.order!.orderId;
    expect(placed.order!.customerId).toBe('customer-1'); // from the token, never from the request

    // The view is eventually consistent (it may apply the payment's event before the order's).
    const mine = await eventually(async () => {
      const res = await grpcApi.customer.getOrderStatus({ orderId }, bearer(tokens['customer-1']!));
      if (res.view?.status !== OrderStatus.ORDER_STATUS_PAID) throw new Error(`the view shows ${res.view?.status}`);
      return res;
    });
    expect(mine.view?.customerId).toBe('customer-1');
    const listed = await grpcApi.customer.listMyOrders({ page: undefined }, bearer(tokens['customer-1']!));
    expect(listed.views.map((v) => v.orderId)).toContain(orderId);

    const theirs = bearer(tokens['customer-2']!);
    expect(await outcome(grpcApi.customer.getOrderStatus({ orderId }, theirs))).toBe('PERMISSION_DENIED');
    expect(await outcome(grpcApi.customer.cancelOrder({ orderId, reason: 'not mine' }, theirs))).toBe('PERMISSION_DENIED');
    expect(await outcome(grpcApi.customer.payOrder({ orderId, idempotencyKey: 'k', paymentMethod: 0 }, theirs))).toBe('PERMISSION_DENIED');
    expect(await outcome(grpcApi.customer.confirmDelivered({ orderId }, theirs))).toBe('PERMISSION_DENIED');
    expect(await streamOutcome(grpcApi.customer.watchOrderStatus({ orderId }, theirs))).toBe('PERMISSION_DENIED');
    expect(await outcome(grpcApi.customer.listOrderPayments({ orderId }, theirs))).toBe('PERMISSION_DENIED');
    // The owner of the order sees its charge, from the payment service.
    const charged = await grpcApi.customer.listOrderPayments({ orderId }, bearer(tokens['customer-1']!));
    expect(charged.payments.map((p) => [p.orderId, p.status, p.amount?.units])).toEqual([
      [orderId, PaymentStatus.PAYMENT_STATUS_APPROVED, placed.order!.total!.units],
    ]);
    const others = await grpcApi.customer.listMyOrders({ page: undefined }, theirs);
    expect(others.views.map((v) => v.orderId)).not.toContain(orderId);

    const web2 = edgeWebClient(CustomerService, webUrl, tokens['customer-2']);
    expect(await outcome(web2.getOrderStatus({ orderId }))).toBe('PERMISSION_DENIED');
    expect(await streamOutcome(web2.watchOrderStatus({ orderId }))).toBe('PERMISSION_DENIED');
    const web1 = edgeWebClient(CustomerService, webUrl, tokens['customer-1']);
    expect(await streamOutcome(web1.watchOrderStatus({ orderId }))).toBe('OK');

    // An order nobody has is still NOT_FOUND, for anyone.
    expect(await outcome(grpcApi.customer.getOrderStatus({ orderId: '0190a000-0000-7000-8000-000000000000' }, theirs))).toBe('NOT_FOUND');
  });

  it("lets an owner act only on their own store's orders", async () => {
    expect(orderId).not.toBe('');
    await eventually(async () => {
      const { storeOrders } = await grpcApi.owner.listStoreOrders({ status: 0, page: undefined }, bearer(tokens['owner-1']!));
      if (!storeOrders.some((o) => o.orderId === orderId)) throw new Error("not in owner-1's list yet");
    });
    const { storeOrders: otherStore } = await grpcApi.owner.listStoreOrders({ status: 0, page: undefined }, bearer(tokens['owner-2']!));
    expect(otherStore.map((o) => o.orderId)).not.toContain(orderId);
    expect(await outcome(grpcApi.owner.acceptOrder({ orderId, estimatedReadyMinutes: 10 }, bearer(tokens['owner-2']!)))).toBe('PERMISSION_DENIED');
    expect(await outcome(grpcApi.owner.rejectOrder({ orderId, reason: 'not my store' }, bearer(tokens['owner-2']!)))).toBe('PERMISSION_DENIED');

    await grpcApi.owner.acceptOrder({ orderId, estimatedReadyMinutes: 10 }, bearer(tokens['owner-1']!));
    await grpcApi.owner.startCooking({ orderId }, bearer(tokens['owner-1']!));
    const done = await grpcApi.owner.finishCooking({ orderId }, bearer(tokens['owner-1']!));
    expect(done.storeOrder?.storeId).toBe('store-gangnam-chicken');
  });

  it('lets a rider see and pick up deliveries of their own region only', async () => {
    const available = await eventually(async () => {
      const { deliveries } = await grpcApi.rider.listAvailableDeliveries({ near: HOME.location, radiusM: 0, page: undefined }, bearer(tokens['rider-1']!));
      const d = deliveries.find((x) => x.delivery?.orderId === orderId);
      if (!d) throw new Error('no delivery for the order yet');
      return d.delivery!;
    });
    const { deliveries: mapo } = await grpcApi.rider.listAvailableDeliveries({ near: undefined, radiusM: 0, page: undefined }, bearer(tokens['rider-3']!));
    expect(mapo.map((d) => d.delivery?.deliveryId)).not.toContain(available.deliveryId);
    expect(await outcome(grpcApi.rider.pickUp({ deliveryId: available.deliveryId }, bearer(tokens['rider-3']!)))).toBe('PERMISSION_DENIED');

    const picked = await grpcApi.rider.pickUp({ deliveryId: available.deliveryId }, bearer(tokens['rider-1']!));
    expect(picked.delivery?.riderId).toBe('rider-1');
    const mine = await grpcApi.rider.listMyDeliveries({ page: undefined }, bearer(tokens['rider-1']!));
    expect(mine.deliveries.map((d) => d.deliveryId)).toContain(available.deliveryId);
  });

  it("keeps each user's notifications to themselves", async () => {
    const mine = await eventually(async () => {
      const { notifications } = await grpcApi.notifications.listMyNotifications({ page: undefined }, bearer(tokens['customer-1']!));
      if (!notifications.some((n) => n.orderId === orderId)) throw new Error('no notification yet');
      return notifications;
    });
    expect(mine.every((n) => n.recipientId === 'customer-1')).toBe(true);
    const { notifications: theirs } = await grpcApi.notifications.listMyNotifications({ page: undefined }, bearer(tokens['customer-2']!));
    expect(theirs.some((n) => n.orderId === orderId)).toBe(false);
  });

  it("lets only an operator use the operations API: any order's saga with its trace ids, figures only where the edge knows a Prometheus", async () => {
    expect(orderId).not.toBe('');
    for (const user of ['customer-1', 'owner-1', 'rider-1']) {
      expect(await outcome(grpcApi.ops.getOrderSaga({ orderId }, bearer(tokens[user]!)))).toBe('PERMISSION_DENIED');
      expect(await outcome(grpcApi.ops.getOverview({}, bearer(tokens[user]!)))).toBe('PERMISSION_DENIED');
    }
    const ops = bearer(tokens['ops-1']!);
    // customer-1's order, which no other customer may see.
    const { view, traceUrlTemplate } = await grpcApi.ops.getOrderSaga({ orderId }, ops);
    expect(view?.customerId).toBe('customer-1');
    expect(view!.timeline.length).toBeGreaterThanOrEqual(2);
    for (const step of view!.timeline) expect(step.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceUrlTemplate).toBe(''); // this edge has no OPS_TRACE_URL
    expect(await outcome(grpcApi.ops.getOrderSaga({ orderId: ' ' }, ops))).toBe('INVALID_ARGUMENT');
    expect(await outcome(grpcApi.ops.getOrderSaga({ orderId: '0190a000-0000-7000-8000-000000000000' }, ops))).toBe('NOT_FOUND');
    expect(await outcome(grpcApi.ops.getOverview({}, ops))).toBe('FAILED_PRECONDITION'); // no OPS_PROMETHEUS_URL
    // An operator is no customer.
    expect(await outcome(grpcApi.customer.listMyOrders({ page: undefined }, ops))).toBe('PERMISSION_DENIED');
  });

  it('answers PERMISSION_DENIED from another edge replica too: it asks the order service whose the order is (GetOrderOwner)', async () => {
    // The stack's own edge (a separate process) never saw the order being placed.
    const other = stack.services.find((s) => s.name === 'edge')!;
    const api = edgeGrpcClients(other.address);
    try {
      const { token } = await api.auth.signIn({ userId: 'customer-2' });
      await eventually(async () => expect(await outcome(api.customer.getOrderStatus({ orderId }, bearer(token)))).toBe('PERMISSION_DENIED'), {
        timeoutMs: 30_000,
      });
      // One issuer, one key set: any replica accepts a token another one issued.
      expect(await outcome(api.customer.listMyOrders({ page: undefined }, bearer(tokens['customer-2']!)))).toBe('OK');
    } finally {
      api.close();
    }
  });
});
