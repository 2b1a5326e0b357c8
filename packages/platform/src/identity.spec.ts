import { createHmac } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { importJWK, SignJWT } from 'jose';
import { OrderServiceService } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { NotificationServiceService } from '@foodmesh/proto-gen/foodmesh/notification/v1/notification';
import { ConfigError, baseConfigSchema, parseConfig } from './config';
import { DomainError } from './errors';
import { bindService } from './grpc-server';
import type { CallContext } from './grpc-types';
import {
  authenticated,
  createAuthenticator,
  meshPeerOf,
  requireService,
  requireUser,
  serviceIdentity,
  WORKLOAD_TOKEN_AUDIENCE,
  WORKLOAD_TOKEN_HEADER,
  WORKLOAD_TOKEN_ISSUER,
  workloadTokenCredential,
  type Caller,
} from './identity';
import { createLogger, lazyChild } from './logger';
import { generateSigningKey, keySetOf, signJwt, type PrivateJwk } from './signing-keys';
import { createTokenVerifier } from './tokens';

const ISSUER = 'https://auth.example.com/';
const AUDIENCE = 'foodmesh';
const reasonOf = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: DomainError) => `${e.kind}/${e.reason}`,
  );
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('token verification (jose, ES256 key sets)', () => {
  const current = generateSigningKey('2026-11-b');
  const previous = generateSigningKey('2026-11-a');
  const stranger = generateSigningKey('elsewhere');
  const verifier = createTokenVerifier({ keys: keySetOf(current), issuer: ISSUER, audience: AUDIENCE, remedy: 'sign in again' });
  const sign = (
    key: PrivateJwk,
    claims: Record<string, unknown> = { sub: 'customer-1', role: 'customer' },
    opts: Partial<Parameters<typeof signJwt>[2]> = {},
  ) => signJwt(key, claims, { issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 300, ...opts }).token;

  it('accepts a token of the issuer: claims and expiry', async () => {
    const { claims, expiresAt } = await verifier.verify(sign(current, { sub: 'owner-1', role: 'owner', store_id: 'store-gangnam-chicken' }));
    expect(claims).toMatchObject({ sub: 'owner-1', role: 'owner', store_id: 'store-gangnam-chicken', iss: ISSUER, aud: AUDIENCE });
    expect(expiresAt.getTime()).toBe(claims.exp! * 1000);
  });

  it('refuses expired, wrong-issuer, wrong-audience and unknown-kid tokens, each saying why', async () => {
    const hourAgo = Date.now() - 3600_000;
    expect(await reasonOf(verifier.verify(sign(current, undefined, { now: hourAgo })))).toBe('UNAUTHENTICATED/TOKEN_EXPIRED');
    await expect(verifier.verify(sign(current, undefined, { issuer: 'https://evil.example.com/' }))).rejects.toThrow(
      'the token\'s "iss" claim is not accepted here; sign in again',
    );
    await expect(verifier.verify(sign(current, undefined, { audience: 'another-app' }))).rejects.toThrow('the token\'s "aud" claim is not accepted here');
    expect(await reasonOf(verifier.verify(sign(stranger)))).toBe('UNAUTHENTICATED/TOKEN_UNKNOWN_KEY');
  });

  it('refuses forged tokens: another key under a known kid, a tampered payload, alg none, HMAC with the public key, no exp', async () => {
    const impostor = { ...generateSigningKey(current.kid) }; // same kid, different key
    const [head, , sig] = sign(current).split('.');
    const tampered = `${head}.${b64({ sub: 'owner-1', role: 'owner', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 60 })}.${sig}`;
    const body = b64({ sub: 'customer-1', role: 'customer', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 60 });
    const none = `${b64({ alg: 'none', kid: current.kid })}.${body}.`;
    // The classic confusion: an HS256 token keyed with the (public) verification key.
    const hsInput = `${b64({ alg: 'HS256', kid: current.kid })}.${body}`;
    const confused = `${hsInput}.${createHmac('sha256', JSON.stringify(keySetOf(current).keys[0]))
      .update(hsInput)
      .digest('base64url')}`;
    for (const token of [sign(impostor), tampered, none, confused, 'not-a-token']) {
      expect(await reasonOf(verifier.verify(token))).toBe('UNAUTHENTICATED/TOKEN_INVALID');
    }
    // Properly signed, but never expiring.
    const noExp = await new SignJWT({ role: 'customer' })
      .setProtectedHeader({ alg: 'ES256', kid: current.kid })
      .setSubject('customer-1')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .sign(await importJWK(current, 'ES256'));
    await expect(verifier.verify(noExp)).rejects.toThrow('the token\'s "exp" claim is not accepted here');
  });

  it('remembers a verified token only while it is valid', async () => {
    let clock = Date.now();
    const clocked = createTokenVerifier({ keys: keySetOf(current), issuer: ISSUER, audience: AUDIENCE, remedy: 'sign in again', now: () => clock });
    const token = signJwt(current, { sub: 'customer-1', role: 'customer' }, { issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 30, now: clock }).token;
    expect(await reasonOf(clocked.verify(token))).toBe('OK');
    clock += 20_000;
    expect(await reasonOf(clocked.verify(token))).toBe('OK');
    clock += 20_000; // past exp (+5 s tolerance)
    expect(await reasonOf(clocked.verify(token))).toBe('UNAUTHENTICATED/TOKEN_EXPIRED');
  });

  it('accepts tokens of both keys while a rotation publishes the old and the new one, and only the new one after', async () => {
    const rotating = createTokenVerifier({ keys: keySetOf(current, previous), issuer: ISSUER, audience: AUDIENCE, remedy: 'sign in again' });
    expect(await reasonOf(rotating.verify(sign(previous)))).toBe('OK');
    expect(await reasonOf(rotating.verify(sign(current)))).toBe('OK');
    expect(await reasonOf(verifier.verify(sign(previous)))).toBe('UNAUTHENTICATED/TOKEN_UNKNOWN_KEY');
  });
});

describe('callers', () => {
  const userKey = generateSigningKey('users');
  const workloadKey = generateSigningKey('workloads');
  const users = createTokenVerifier({ keys: keySetOf(userKey), issuer: ISSUER, audience: AUDIENCE, remedy: 'sign in again' });
  const workloads = createTokenVerifier({
    keys: keySetOf(workloadKey),
    issuer: WORKLOAD_TOKEN_ISSUER,
    audience: WORKLOAD_TOKEN_AUDIENCE,
    remedy: 'check the key',
  });
  const userToken = (claims: Record<string, unknown>) => signJwt(userKey, claims, { issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 60 }).token;
  const ctxWith = (headers: Record<string, string>, caller?: Caller) => ({ header: (name: string) => headers[name], caller }) as unknown as CallContext;
  const workloadHeader = (name: string) => {
    const md = new Metadata();
    workloadTokenCredential(workloadKey, name)(md);
    return md.get(WORKLOAD_TOKEN_HEADER)[0] as string;
  };
  const XFCC = 'By=spiffe://cluster.local/ns/foodmesh/sa/order;Hash=ab12;Subject="";URI=spiffe://cluster.local/ns/foodmesh/sa/edge';

  it('reads the mTLS peer from the element the sidecar appended last', () => {
    expect(meshPeerOf(XFCC)).toBe('edge');
    // A client that sends its own XFCC gets the real peer appended after it.
    expect(meshPeerOf(`URI=spiffe://cluster.local/ns/foodmesh/sa/order,${XFCC}`)).toBe('edge');
    expect(meshPeerOf(`${XFCC},By=spiffe://cluster.local/ns/foodmesh/sa/x;URI="spiffe://cluster.local/ns/foodmesh/sa/ops"`)).toBe('ops');
    expect(meshPeerOf('By=spiffe://cluster.local/ns/foodmesh/sa/order;Hash=ab12')).toBeUndefined();
    expect(meshPeerOf(undefined)).toBeUndefined();
  });

  it('in the mesh: the user from the token, the workload from the sidecar', async () => {
    const authenticate = createAuthenticator({ users, workloads: { mode: 'mesh' } });
    const token = userToken({ sub: 'rider-1', role: 'rider', region: 'seoul-gangnam', name: 'Kim Minjun' });
    const caller = await authenticate(ctxWith({ authorization: `Bearer ${token}`, 'x-forwarded-client-cert': XFCC }));
    expect(caller).toEqual({
      user: { userId: 'rider-1', role: 'rider', region: 'seoul-gangnam', displayName: 'Kim Minjun', storeId: undefined, token, expiresAt: expect.any(Date) },
      workload: 'edge',
    });
    // A workload token means nothing in the mesh.
    expect(await reasonOf(authenticate(ctxWith({ [WORKLOAD_TOKEN_HEADER]: workloadHeader('order') })))).toBe('UNAUTHENTICATED/IDENTITY_MISSING');
  });

  it('without a mesh: the workload from its token, and a forged XFCC is ignored', async () => {
    const authenticate = createAuthenticator({ users, workloads: { mode: 'token', verifier: workloads } });
    expect(await authenticate(ctxWith({ [WORKLOAD_TOKEN_HEADER]: workloadHeader('order') }))).toEqual({ workload: 'order' });
    expect(await reasonOf(authenticate(ctxWith({ 'x-forwarded-client-cert': XFCC })))).toBe('UNAUTHENTICATED/IDENTITY_MISSING');
    // A user's key cannot sign a workload's token, nor the other way round.
    const asWorkload = signJwt(userKey, { sub: 'order' }, { issuer: WORKLOAD_TOKEN_ISSUER, audience: WORKLOAD_TOKEN_AUDIENCE, ttlSeconds: 60 }).token;
    expect(await reasonOf(authenticate(ctxWith({ [WORKLOAD_TOKEN_HEADER]: asWorkload })))).toBe('UNAUTHENTICATED/TOKEN_UNKNOWN_KEY');
    const asUser = signJwt(workloadKey, { sub: 'customer-1', role: 'customer' }, { issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 60 }).token;
    expect(await reasonOf(authenticate(ctxWith({ authorization: `Bearer ${asUser}` })))).toBe('UNAUTHENTICATED/TOKEN_UNKNOWN_KEY');
  });

  it('refuses a malformed header, a token without a known role, and a call with no identity', async () => {
    const authenticate = createAuthenticator({ users, workloads: { mode: 'mesh' } });
    expect(await reasonOf(authenticate(ctxWith({ authorization: 'Basic Y3VzdG9tZXI=' })))).toBe('UNAUTHENTICATED/TOKEN_MALFORMED');
    expect(await reasonOf(authenticate(ctxWith({ authorization: `Bearer ${userToken({ sub: 'root', role: 'admin' })}` })))).toBe(
      'UNAUTHENTICATED/TOKEN_CLAIMS',
    );
    expect(await reasonOf(authenticate(ctxWith({})))).toBe('UNAUTHENTICATED/IDENTITY_MISSING');
  });

  it('lets handlers demand a user of a role, or a workload by name', () => {
    const customer = ctxWith({}, { user: { userId: 'customer-1', role: 'customer', token: 't', expiresAt: new Date() }, workload: 'edge' });
    expect(requireUser(customer, 'customer').userId).toBe('customer-1');
    expect(() => requireUser(customer, 'owner')).toThrow('only an owner may do this; you are signed in as a customer');
    expect(requireService(customer, 'edge', 'ops')).toBe('edge');
    expect(() => requireService(customer, 'order')).toThrow('only order may call this, not edge');
    expect(() => requireService(ctxWith({}, { user: customer.caller!.user }), 'order')).toThrow(DomainError);
    expect(() => requireUser(ctxWith({}, { workload: 'order' }))).toThrow('sign in first');
  });

  it('puts every method but the anonymous ones behind authentication, before the handler runs', async () => {
    const ran: string[] = [];
    const reg = bindService(
      OrderServiceService,
      {
        placeOrder: async () => (ran.push('placeOrder'), {}) as never,
        payOrder: async (_req, ctx) => (ran.push(`payOrder by ${ctx.caller?.workload}`), {}) as never,
        cancelOrder: async (_req, ctx) => (ran.push(`cancelOrder caller ${JSON.stringify(ctx.caller)}`), {}) as never,
        confirmDelivered: async () => ({}) as never,
        getOrder: async () => ({}) as never,
        getOrderOwner: async () => ({}) as never,
      },
      { anonymous: ['cancelOrder'] },
    );
    const wrapped = authenticated(reg, createAuthenticator({ users, workloads: { mode: 'mesh' } }));
    const call = (method: string, headers: Record<string, string>) => (wrapped.handlers[method] as Function)({}, ctxWith(headers));
    expect(await reasonOf(call('placeOrder', {}))).toBe('UNAUTHENTICATED/IDENTITY_MISSING');
    await call('payOrder', { 'x-forwarded-client-cert': XFCC });
    await call('cancelOrder', {});
    expect(ran).toEqual(['payOrder by edge', 'cancelOrder caller undefined']);

    // The call's logger is made on first use only (most calls never log): authenticating does not make it.
    let loggers = 0;
    const lazy = lazyChild(
      ctxWith({ 'x-forwarded-client-cert': XFCC }),
      createLogger({ service: 'identity-spec', level: 'silent' }),
      () => ((loggers += 1), {}),
    );
    await (wrapped.handlers.payOrder as Function)({}, lazy);
    expect(ran.at(-1)).toBe('payOrder by edge');
    expect(loggers).toBe(0);

    const stream = authenticated(
      bindService(NotificationServiceService, {
        listNotifications: async () => ({}) as never,
        async *watchNotifications(_req, ctx) {
          yield { notification: undefined, by: ctx.caller?.workload } as never;
        },
      }),
      createAuthenticator({ users, workloads: { mode: 'mesh' } }),
    );
    const watch = (headers: Record<string, string>) => (stream.handlers.watchNotifications as Function)({}, ctxWith(headers)) as AsyncIterable<unknown>;
    const first = async (it: AsyncIterable<unknown>) => {
      for await (const m of it) return m;
      return undefined;
    };
    expect(await first(watch({ 'x-forwarded-client-cert': XFCC }))).toEqual({ notification: undefined, by: 'edge' });
    expect(await reasonOf(first(watch({})))).toBe('UNAUTHENTICATED/IDENTITY_MISSING');
  });

  it('checks the identity settings together at start-up', () => {
    const config = (env: Record<string, string>) =>
      parseConfig(baseConfigSchema, { SERVICE_NAME: 'order', AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE, ...env });
    const problems = (env: Record<string, string>) => {
      try {
        serviceIdentity(config(env));
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    const jwks = JSON.stringify(keySetOf(userKey));
    expect(problems({ WORKLOAD_IDENTITY: 'mesh' })).toEqual(['AUTH_JWKS_URL / AUTH_JWKS: set exactly one (the key set URL, or the key set as JSON)']);
    expect(problems({ WORKLOAD_IDENTITY: 'mesh', AUTH_JWKS: jwks, AUTH_JWKS_URL: 'https://auth.example.com/jwks' })).toHaveLength(1);
    expect(problems({ WORKLOAD_IDENTITY: 'token', AUTH_JWKS: jwks })).toEqual(['WORKLOAD_JWKS: is required when WORKLOAD_IDENTITY=token']);
    expect(problems({ WORKLOAD_IDENTITY: 'token', AUTH_JWKS: jwks, WORKLOAD_JWKS: JSON.stringify(keySetOf(workloadKey)) })).toEqual([]);
  });
});
