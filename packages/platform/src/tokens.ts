import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { DomainError, unauthenticated } from './errors';

/** Asymmetric algorithms only: an HMAC token (or `none`) is never accepted. */
const ALGORITHMS = ['ES256', 'RS256'];
/**
 * A token verified once is accepted again, until it expires but for at most this long, without
 * another signature check (≈0.3 ms of CPU each on 2 busy cores, and every hop checks the same
 * forwarded token); so a key withdrawn from the set stops working within this time.
 */
const REMEMBER_MS = 60_000;
const REMEMBER_MAX = 10_000;

export interface VerifiedToken {
  claims: JWTPayload & { sub: string };
  expiresAt: Date;
}

export interface TokenVerifier {
  /** The token's claims once its signature, algorithm, issuer, audience and expiry are checked. */
  verify(token: string): Promise<VerifiedToken>;
}

export interface TokenVerifierOptions {
  /** The issuer's public keys: inline (local runs, tests, dev) or its JWKS URL (production). */
  keys: JSONWebKeySet | URL;
  issuer: string;
  audience: string;
  /** What the caller is told to do when its token is refused, e.g. "sign in again". */
  remedy: string;
  /** Remote key sets: how soon an unknown `kid` may fetch the set again (jose's default is 30 s). */
  refetchAfterMs?: number;
  now?: () => number;
}

/** Errors that say the token itself is bad; anything else (the key set cannot be fetched) is not the caller's fault. */
const REFUSED = [
  errors.JWTClaimValidationFailed,
  errors.JWTInvalid,
  errors.JWSInvalid,
  errors.JWSSignatureVerificationFailed,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKSMultipleMatchingKeys,
];

/**
 * One verification path for every token, with jose: signature against the
 * issuer's key set (chosen by the token's `kid`), ES256/RS256 only, issuer,
 * audience, `exp` required. A refused token is UNAUTHENTICATED with a reason
 * (TOKEN_EXPIRED, TOKEN_UNKNOWN_KEY, TOKEN_INVALID); a key set that cannot be
 * fetched is UNAVAILABLE.
 */
export function createTokenVerifier(opts: TokenVerifierOptions): TokenVerifier {
  const keys =
    opts.keys instanceof URL
      ? createRemoteJWKSet(opts.keys, { cooldownDuration: opts.refetchAfterMs ?? 30_000, timeoutDuration: 5_000 })
      : createLocalJWKSet(opts.keys);
  const now = opts.now ?? Date.now;
  const remembered = new Map<string, { verified: VerifiedToken; until: number }>(); // oldest first

  return {
    async verify(token) {
      const known = remembered.get(token);
      if (known && now() < known.until) return known.verified;
      remembered.delete(token);
      const verified = await check(token);
      if (remembered.size >= REMEMBER_MAX) remembered.delete(remembered.keys().next().value!);
      remembered.set(token, { verified, until: Math.min(verified.expiresAt.getTime(), now() + REMEMBER_MS) });
      return verified;
    },
  };

  async function check(token: string): Promise<VerifiedToken> {
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: ALGORITHMS,
        issuer: opts.issuer,
        audience: opts.audience,
        requiredClaims: ['sub', 'exp'],
        currentDate: new Date(now()),
        clockTolerance: 5,
      });
      return { claims: payload as VerifiedToken['claims'], expiresAt: new Date(payload.exp! * 1000) };
    } catch (err) {
      throw refusal(err, opts.remedy);
    }
  }
}

function refusal(err: unknown, remedy: string): DomainError {
  if (err instanceof errors.JWTExpired) return unauthenticated(`the token has expired; ${remedy}`, 'TOKEN_EXPIRED');
  if (err instanceof errors.JWKSNoMatchingKey)
    return unauthenticated(`the token is signed with a key the issuer does not publish; ${remedy}`, 'TOKEN_UNKNOWN_KEY');
  if (err instanceof errors.JWTClaimValidationFailed)
    return unauthenticated(`the token's "${err.claim}" claim is not accepted here; ${remedy}`, 'TOKEN_INVALID');
  if (REFUSED.some((kind) => err instanceof kind)) return unauthenticated(`the token is not valid; ${remedy}`, 'TOKEN_INVALID');
  return new DomainError('UNAVAILABLE', "the identity provider's keys cannot be fetched right now; try again shortly", {
    reason: 'JWKS_UNAVAILABLE',
    retryAfterSeconds: 5,
  });
}
