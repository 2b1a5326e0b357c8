import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { Order, OrderServiceService } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { rpcError, testIdentity, testLogger } from '@foodmesh/testkit';
import {
  baseConfigSchema,
  bearerMetadata,
  bindService,
  createGrpcClient,
  createTokenVerifier,
  generateSigningKey,
  keySetOf,
  loadMeshPolicy,
  parseConfig,
  requireUser,
  runService,
  signJwt,
  type KeySet,
  type PrivateJwk,
  type RunningService,
} from '../src';

const ISSUER = 'https://idp.test/';
const AUDIENCE = 'foodmesh';

/**
 * Production's way to the keys: the identity provider's JWKS URL, fetched and
 * cached (jose's remote key set), here served on 127.0.0.1 so a rotation and an
 * outage can be staged.
 */
describe('remote key set (AUTH_JWKS_URL)', () => {
  const oldKey = generateSigningKey('idp-2026-10');
  const newKey = generateSigningKey('idp-2026-11');
  let published: KeySet | undefined = keySetOf(oldKey);
  let fetches = 0;
  let server: http.Server;
  let url = '';
  const token = (key: PrivateJwk, sub = 'customer-1') => signJwt(key, { sub, role: 'customer' }, { issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 300 }).token;

  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      fetches++;
      if (!published) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(published));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('follows a rotation: a new kid fetches the set again; while the provider is down, known keys still work', async () => {
    published = keySetOf(oldKey);
    fetches = 0;
    const verifier = createTokenVerifier({ keys: new URL(url), issuer: ISSUER, audience: AUDIENCE, remedy: 'sign in again', refetchAfterMs: 0 });
    await expect(verifier.verify(token(oldKey))).resolves.toMatchObject({ claims: { sub: 'customer-1' } });
    await expect(verifier.verify(token(oldKey))).resolves.toBeDefined();
    expect(fetches).toBe(1); // cached

    // The provider starts signing with a new key and publishes both.
    published = keySetOf(oldKey, newKey);
    await expect(verifier.verify(token(newKey))).resolves.toMatchObject({ claims: { sub: 'customer-1' } });
    await expect(verifier.verify(token(oldKey))).resolves.toBeDefined();
    expect(fetches).toBe(2);

    // A key it never published is refused, after looking once more.
    await expect(verifier.verify(token(generateSigningKey('forged')))).rejects.toMatchObject({ kind: 'UNAUTHENTICATED', reason: 'TOKEN_UNKNOWN_KEY' });

    // The provider is down: known keys keep working from the cache; an unknown one is UNAVAILABLE, not the caller's fault.
    published = undefined;
    await expect(verifier.verify(token(newKey))).resolves.toBeDefined();
    await expect(verifier.verify(token(generateSigningKey('idp-2026-12')))).rejects.toMatchObject({ kind: 'UNAVAILABLE', reason: 'JWKS_UNAVAILABLE' });
  });

  it('is what a service configured with AUTH_JWKS_URL verifies its callers with', async () => {
    published = keySetOf(newKey);
    const service: RunningService = await runService({
      config: parseConfig(baseConfigSchema, {
        SERVICE_NAME: 'kit-order',
        GRPC_HOST: '127.0.0.1',
        GRPC_PORT: '0',
        METRICS_PORT: '0',
        AUTH_ISSUER: ISSUER,
        AUTH_AUDIENCE: AUDIENCE,
        AUTH_JWKS_URL: url,
        WORKLOAD_IDENTITY: 'token',
        WORKLOAD_JWKS: testIdentity.serviceEnv().WORKLOAD_JWKS!,
      }),
      logger: testLogger('kit-order'),
      protoFiles: [],
      build: async () => [
        bindService(OrderServiceService, {
          placeOrder: async () => ({}) as never,
          payOrder: async () => ({}) as never,
          cancelOrder: async () => ({}) as never,
          confirmDelivered: async () => ({}) as never,
          getOrderOwner: async () => ({}) as never,
          getOrder: async (req, ctx) => ({ order: Order.fromPartial({ orderId: req.orderId, customerId: requireUser(ctx, 'customer').userId }) }),
        }),
      ],
    });
    const client = createGrpcClient(OrderServiceService, {
      address: `127.0.0.1:${service.grpcPort}`,
      upstream: 'order',
      policy: loadMeshPolicy(),
      resilienceMode: 'local',
      caller: 'test',
    });
    try {
      const { order } = await client.getOrder({ orderId: 'o-1' }, { metadata: bearerMetadata(token(newKey, 'customer-7')) });
      expect(order?.customerId).toBe('customer-7');
      expect(await rpcError(client.getOrder({ orderId: 'o-1' }, { metadata: bearerMetadata(token(oldKey)) }))).toMatchObject({
        code: grpc.status.UNAUTHENTICATED,
      });
    } finally {
      client.close();
      await service.stop();
    }
  });
});
