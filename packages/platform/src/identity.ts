import { Metadata } from '@grpc/grpc-js';
import { ConfigError, type BaseConfig } from './config';
import { permissionDenied, unauthenticated } from './errors';
import type { ServiceRegistration } from './grpc-server';
import type { CallContext } from './grpc-types';
import { signJwt, type PrivateJwk } from './signing-keys';
import { createTokenVerifier, type TokenVerifier, type VerifiedToken } from './tokens';

/**
 * Who is calling, resolved once per call before the handler runs.
 *
 * - A call made **for a user** carries the user's token (`authorization: Bearer`,
 *   from the identity provider; locally from the edge's demo sign-in), which the
 *   edge forwards unchanged and every service verifies again (tokens.ts).
 * - The **workload** that placed the call is its mesh identity: the SPIFFE URI
 *   of the mTLS peer that the sidecar appends to `x-forwarded-client-cert`; or,
 *   where there is no mesh (local runs, tests), a short workload token signed
 *   with the local workload key, in `x-foodmesh-workload-token`.
 *
 * A call with neither never reaches a handler (UNAUTHENTICATED).
 */
/** `ops`: an operator (the operations page: metrics, any order's saga timeline); never a customer, owner or rider. */
export type Role = 'customer' | 'owner' | 'rider' | 'ops';
export const ROLES: readonly Role[] = ['customer', 'owner', 'rider', 'ops'];

/** A signed-in person, as the token's claims describe them (`sub`, `role`, `store_id`, `region`, `name`). */
export interface User {
  userId: string;
  role: Role;
  /** Owners: the store they run. */
  storeId?: string;
  /** Riders: the region they ride in. */
  region?: string;
  displayName?: string;
}

export interface Caller {
  /** The user the call is made for, with the verified token (to forward) and its expiry. */
  user?: User & { token: string; expiresAt: Date };
  /** The calling workload: a service account name (`order`, `edge`, `ops`…). */
  workload?: string;
}

export const WORKLOAD_TOKEN_HEADER = 'x-foodmesh-workload-token';
export const XFCC_HEADER = 'x-forwarded-client-cert';
/** Local workload tokens: their own issuer and key set, never a user's. */
export const WORKLOAD_TOKEN_ISSUER = 'foodmesh-workloads';
export const WORKLOAD_TOKEN_AUDIENCE = 'foodmesh';
const WORKLOAD_TOKEN_TTL_SECONDS = 600;

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i;
const article = (role: Role) => (role === 'ops' ? 'an operator' : `${role === 'owner' ? 'an' : 'a'} ${role}`);

/** The user the call is made for, with `role` if given: else UNAUTHENTICATED / PERMISSION_DENIED. */
export function requireUser(ctx: Pick<CallContext, 'caller'>, role?: Role): NonNullable<Caller['user']> {
  const user = ctx.caller?.user;
  if (!user) throw unauthenticated('sign in first: this call needs an "authorization: Bearer <token>" header', 'USER_REQUIRED');
  if (role && user.role !== role) throw permissionDenied(`only ${article(role)} may do this; you are signed in as ${article(user.role)}`, 'WRONG_ROLE');
  return user;
}

/** The calling workload, which must be one of `names`: else UNAUTHENTICATED / PERMISSION_DENIED. */
export function requireService(ctx: Pick<CallContext, 'caller'>, ...names: string[]): string {
  const workload = ctx.caller?.workload;
  if (!workload) throw unauthenticated(`only ${names.join(' or ')} may call this, and the call carries no workload identity`, 'WORKLOAD_REQUIRED');
  if (!names.includes(workload)) throw permissionDenied(`only ${names.join(' or ')} may call this, not ${workload}`, 'WRONG_WORKLOAD');
  return workload;
}

/** Metadata that forwards a user's token (the edge's calls for a user; tests acting as one). */
export function bearerMetadata(token: string): Metadata {
  const md = new Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

/** The user a verified token describes; a token without a known role or subject is refused. */
export function userOf(token: string, verified: VerifiedToken): NonNullable<Caller['user']> {
  const c = verified.claims;
  const role = c.role as Role;
  if (!c.sub || !ROLES.includes(role))
    throw unauthenticated('the token names no user with a known role (claims "sub" and "role"); sign in again', 'TOKEN_CLAIMS');
  const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return { userId: c.sub, role, storeId: text(c.store_id), region: text(c.region), displayName: text(c.name), token, expiresAt: verified.expiresAt };
}

/**
 * The service account of the mTLS peer, from the element the sidecar appended
 * last to `x-forwarded-client-cert` (Istio's sidecars APPEND_FORWARD: earlier
 * elements came from whoever sent the request and prove nothing).
 */
export function meshPeerOf(xfcc: string | undefined): string | undefined {
  const last = xfcc?.split(',').pop();
  const uri = last
    ?.split(';')
    .find((part) => part.startsWith('URI='))
    ?.slice(4);
  return uri ? /^spiffe:\/\/[^/]+\/ns\/[^/]+\/sa\/([^/]+)$/.exec(uri.replace(/^"|"$/g, ''))?.[1] : undefined;
}

export type Authenticate = (ctx: CallContext) => Promise<Caller>;

/**
 * How this service learns who calls it: users always by token; the workload from
 * the mesh (`mesh`: trust the sidecar's XFCC, valid only behind an Istio sidecar
 * with STRICT mTLS) or from a workload token (`token`).
 */
export function createAuthenticator(opts: { users: TokenVerifier; workloads: { mode: 'mesh' } | { mode: 'token'; verifier: TokenVerifier } }): Authenticate {
  const { workloads } = opts;
  return async (ctx) => {
    const caller: Caller = {};
    const authorization = ctx.header('authorization');
    if (authorization) {
      const m = BEARER.exec(authorization.trim());
      if (!m) throw unauthenticated('the authorization header must be "Bearer <token>"', 'TOKEN_MALFORMED');
      caller.user = userOf(m[1]!, await opts.users.verify(m[1]!));
    }
    if (workloads.mode === 'mesh') caller.workload = meshPeerOf(ctx.header(XFCC_HEADER));
    else {
      const token = ctx.header(WORKLOAD_TOKEN_HEADER);
      if (token) caller.workload = (await workloads.verifier.verify(token)).claims.sub;
    }
    if (!caller.user && !caller.workload) throw unauthenticated('sign in first: this call needs an "authorization: Bearer <token>" header', 'IDENTITY_MISSING');
    return caller;
  };
}

/** Adds the calling workload's credential to an outbound call's metadata. */
export type WorkloadCredential = (metadata: Metadata) => void;

/** A workload token for `name` (local workload identity: what the mesh's mTLS proves in a cluster). */
export function signWorkloadToken(key: PrivateJwk, name: string, ttlSeconds = WORKLOAD_TOKEN_TTL_SECONDS): string {
  return signJwt(key, { sub: name }, { issuer: WORKLOAD_TOKEN_ISSUER, audience: WORKLOAD_TOKEN_AUDIENCE, ttlSeconds }).token;
}

/** Local workload identity: a workload token for `name`, re-signed when half its lifetime is gone. */
export function workloadTokenCredential(key: PrivateJwk, name: string): WorkloadCredential {
  let current: { token: string; renewAt: number } | undefined;
  return (metadata) => {
    if (!current || Date.now() >= current.renewAt) {
      current = { token: signWorkloadToken(key, name), renewAt: Date.now() + (WORKLOAD_TOKEN_TTL_SECONDS * 1000) / 2 };
    }
    metadata.set(WORKLOAD_TOKEN_HEADER, current.token);
  };
}

/**
 * The registration with every method behind `authenticate`: the caller is
 * resolved before the handler runs and handed to it as `ctx.caller`; a call it
 * refuses never reaches the handler. Methods the registration declares
 * `anonymous` (e.g. the demo sign-in) are left as they are.
 */
export function authenticated(reg: ServiceRegistration, authenticate: Authenticate): ServiceRegistration {
  const handlers: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(reg.definition)) {
    const fn = reg.handlers[key];
    if (typeof fn !== 'function')
      handlers[key] = fn; // the server reports it
    else if (reg.anonymous?.includes(key)) handlers[key] = fn.bind(reg.handlers);
    else if (def.responseStream) {
      handlers[key] = async function* (req: unknown, ctx: CallContext) {
        const caller = await authenticate(ctx);
        yield* fn.call(reg.handlers, req, withCaller(ctx, caller)) as AsyncIterable<unknown>;
      };
    } else handlers[key] = async (req: unknown, ctx: CallContext) => fn.call(reg.handlers, req, withCaller(ctx, await authenticate(ctx)));
  }
  return { ...reg, handlers };
}

/** The call's own context with its caller set: a copy ({ ...ctx }) would read, so make, the call's lazy logger (lazyChild). */
const withCaller = (ctx: CallContext, caller: Caller): CallContext => Object.assign(ctx, { caller });

export interface ServiceIdentity {
  authenticate: Authenticate;
  /** How this service proves itself on its own calls; none in the mesh (mTLS does). */
  credential?: WorkloadCredential;
}

/** The identity settings of a service's config, checked together (one key source, a key set for `token`). */
export function serviceIdentity(config: BaseConfig): ServiceIdentity {
  const problems: string[] = [];
  if (!config.AUTH_JWKS === !config.AUTH_JWKS_URL) problems.push('AUTH_JWKS_URL / AUTH_JWKS: set exactly one (the key set URL, or the key set as JSON)');
  if (config.WORKLOAD_IDENTITY === 'token' && !config.WORKLOAD_JWKS) problems.push('WORKLOAD_JWKS: is required when WORKLOAD_IDENTITY=token');
  if (problems.length) throw new ConfigError(problems);
  const users = createTokenVerifier({
    keys: config.AUTH_JWKS_URL ? new URL(config.AUTH_JWKS_URL) : config.AUTH_JWKS!,
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    remedy: 'sign in again',
  });
  if (config.WORKLOAD_IDENTITY === 'mesh') return { authenticate: createAuthenticator({ users, workloads: { mode: 'mesh' } }) };
  const verifier = createTokenVerifier({
    keys: config.WORKLOAD_JWKS!,
    issuer: WORKLOAD_TOKEN_ISSUER,
    audience: WORKLOAD_TOKEN_AUDIENCE,
    remedy: "check the caller's WORKLOAD_SIGNING_KEY",
  });
  return {
    authenticate: createAuthenticator({ users, workloads: { mode: 'token', verifier } }),
    credential: config.WORKLOAD_SIGNING_KEY && workloadTokenCredential(config.WORKLOAD_SIGNING_KEY as PrivateJwk, config.SERVICE_NAME),
  };
}
