import { createPrivateKey, generateKeyPairSync, sign, type JsonWebKey } from 'node:crypto';

/**
 * ES256 signing keys as JWKs and compact JWTs signed with them. Only local runs,
 * tests, the dev cluster and the edge's demo sign-in sign tokens here; in
 * production an identity provider signs users' tokens and the mesh proves
 * workloads. Signing is synchronous (node:crypto), so call options that carry a
 * token stay plain values; verification is jose's (tokens.ts).
 */
export const SIGNING_ALG = 'ES256';

/** A private EC P-256 signing key with its key id (`kid`), as JSON Web Key. */
export type PrivateJwk = JsonWebKey & { kid: string; d: string };
/** A public verification key (the private one without `d`). */
export type PublicJwk = Omit<PrivateJwk, 'd'>;
/** A JSON Web Key Set, as an identity provider serves it. */
export interface KeySet {
  keys: PublicJwk[];
}

export function generateSigningKey(kid: string): PrivateJwk {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: SIGNING_ALG, use: 'sig' } as PrivateJwk;
}

export function publicJwk(key: PrivateJwk): PublicJwk {
  const { d: _private, ...rest } = key;
  return rest;
}

/** The public key set of the given keys (e.g. the current and the previous one during a rotation). */
export const keySetOf = (...keys: PrivateJwk[]): KeySet => ({ keys: keys.map(publicJwk) });

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export interface SignedToken {
  token: string;
  expiresAt: Date;
}

/**
 * Signs `claims` as a JWT: `kid` in the header, `iss`, `aud`, `iat` and `exp`
 * (now + ttlSeconds) in the payload.
 */
export function signJwt(
  key: PrivateJwk,
  claims: Record<string, unknown>,
  opts: { issuer: string; audience: string; ttlSeconds: number; now?: number },
): SignedToken {
  const iat = Math.floor((opts.now ?? Date.now()) / 1000);
  const exp = iat + opts.ttlSeconds;
  const input = `${b64url({ alg: SIGNING_ALG, typ: 'JWT', kid: key.kid })}.${b64url({ ...claims, iss: opts.issuer, aud: opts.audience, iat, exp })}`;
  // JWS ES256 wants the raw r||s signature (IEEE P1363), not DER.
  const signature = sign('sha256', Buffer.from(input), { key: createPrivateKey({ key, format: 'jwk' }), dsaEncoding: 'ieee-p1363' });
  return { token: `${input}.${signature.toString('base64url')}`, expiresAt: new Date(exp * 1000) };
}
