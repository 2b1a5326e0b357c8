import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  bearerMetadata,
  generateSigningKey,
  keySetOf,
  signJwt,
  signWorkloadToken,
  workloadTokenCredential,
  type CallOptions,
  type PrivateJwk,
  type User,
  type WorkloadCredential,
} from '@foodmesh/platform';
import { Metadata } from '@grpc/grpc-js';

/** The issuer and audience of users' tokens in local runs: the edge's demo sign-in plays the identity provider. */
export const LOCAL_ISSUER = 'foodmesh-local';
export const LOCAL_AUDIENCE = 'foodmesh';

export interface LocalKeys {
  /** Signs users' tokens: the edge's demo sign-in, and tests acting as a user. */
  user: PrivateJwk;
  /** Signs workload tokens: each service's own calls, and tests acting as a workload. */
  workload: PrivateJwk;
}

/**
 * The identity material of a local stack or a test run, so the services verify
 * tokens exactly as in production (key sets, `kid`, issuer, audience) without
 * anyone setting keys up: a generated user-signing key pair (its private half
 * only for the edge's demo sign-in) and a workload key pair standing in for the
 * mesh's mTLS identities.
 */
export interface LocalIdentity {
  keys: LocalKeys;
  /** What every service gets: the public key sets, and the workload key to sign its own calls. */
  serviceEnv(): Record<string, string>;
  /** What a service with demo sign-in on (the edge) also gets: the user-signing key. */
  demoSignInEnv(): Record<string, string>;
  /** A user's token, as the identity provider (here: the demo sign-in) would issue it. */
  userToken(user: User, ttlSeconds?: number): string;
  /** Call options acting as a user: their bearer token, reused while it has most of its life left (as a client would). */
  asUser(user: User): CallOptions;
  /** A workload's token as its own calls carry it, living `ttlSeconds` (a tool whose headers are fixed for a whole run, e.g. ghz's). */
  workloadToken(name: string, ttlSeconds?: number): string;
  /** A client option (`workloadIdentity`) making every call of the client as a workload, e.g. `ops` for the admin APIs. */
  workload(name: string): WorkloadCredential;
  /** Call options acting as a workload. */
  asWorkload(name: string): CallOptions;
}

export const generateLocalKeys = (): LocalKeys => {
  const stamp = `${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
  return { user: generateSigningKey(`local-users-${stamp}`), workload: generateSigningKey(`local-workloads-${stamp}`) };
};

const USER_TOKEN_TTL_SECONDS = 3600;

export function createLocalIdentity(keys: LocalKeys = generateLocalKeys()): LocalIdentity {
  const userToken = (user: User, ttlSeconds = USER_TOKEN_TTL_SECONDS) =>
    signJwt(
      keys.user,
      { sub: user.userId, role: user.role, store_id: user.storeId, region: user.region, name: user.displayName },
      { issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE, ttlSeconds },
    ).token;
  const held = new Map<string, { token: string; renewAt: number }>();
  const heldToken = (user: User) => {
    const key = JSON.stringify([user.userId, user.role, user.storeId, user.region, user.displayName]);
    let h = held.get(key);
    if (!h || Date.now() >= h.renewAt) {
      h = { token: userToken(user), renewAt: Date.now() + (USER_TOKEN_TTL_SECONDS * 1000) / 2 };
      held.set(key, h);
    }
    return h.token;
  };
  return {
    keys,
    serviceEnv: () => ({
      AUTH_ISSUER: LOCAL_ISSUER,
      AUTH_AUDIENCE: LOCAL_AUDIENCE,
      AUTH_JWKS: JSON.stringify(keySetOf(keys.user)),
      WORKLOAD_IDENTITY: 'token',
      WORKLOAD_JWKS: JSON.stringify(keySetOf(keys.workload)),
      WORKLOAD_SIGNING_KEY: JSON.stringify(keys.workload),
    }),
    demoSignInEnv: () => ({ DEMO_SIGNING_KEY: JSON.stringify(keys.user) }),
    userToken,
    asUser: (user) => ({ metadata: bearerMetadata(heldToken(user)) }),
    workloadToken: (name, ttlSeconds) => signWorkloadToken(keys.workload, name, ttlSeconds),
    workload: (name) => workloadTokenCredential(keys.workload, name),
    asWorkload(name) {
      const metadata = new Metadata();
      workloadTokenCredential(keys.workload, name)(metadata);
      return { metadata };
    },
  };
}

/**
 * `npm start`'s identity, kept in `file` (mode 0600) so sessions survive a
 * restart and tools beside the stack (npm run scenario) can act as its users.
 */
export function persistentLocalIdentity(file: string): LocalIdentity {
  if (existsSync(file)) return createLocalIdentity(JSON.parse(readFileSync(file, 'utf8')) as LocalKeys);
  const keys = generateLocalKeys();
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return createLocalIdentity(keys);
}
