import { errors, jwtVerify, SignJWT } from 'jose';
import { unauthenticated } from '@foodmesh/platform/errors';
import { findUser, type DirectoryUser } from '../domain/directory';

export const TOKEN_ISSUER = 'foodmesh-edge';
export const TOKEN_AUDIENCE = 'foodmesh-web';

export interface Session {
  user: DirectoryUser;
  expiresAt: Date;
}

/**
 * Bearer tokens: HS256 JWTs (jose) naming the user (`sub`) and role, with an
 * expiry. Verification accepts only HS256, our issuer and audience, and a user
 * the directory still knows with the same role; anything else is
 * UNAUTHENTICATED, with a message that says what to do.
 */
export function createTokens(opts: { secret: string; ttlSeconds: number; now?: () => number }) {
  const key = new TextEncoder().encode(opts.secret);
  const now = opts.now ?? Date.now;

  return {
    async sign(user: DirectoryUser): Promise<{ token: string; expiresAt: Date }> {
      const iat = Math.floor(now() / 1000);
      const exp = iat + opts.ttlSeconds;
      const token = await new SignJWT({ role: user.role })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(user.userId)
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(key);
      return { token, expiresAt: new Date(exp * 1000) };
    },

    async verify(token: string): Promise<Session> {
      let payload;
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
          requiredClaims: ['sub', 'exp'],
          currentDate: new Date(now()),
        }));
      } catch (err) {
        if (err instanceof errors.JWTExpired) throw unauthenticated('your session has expired; sign in again', 'TOKEN_EXPIRED');
        throw unauthenticated('the bearer token is not valid; sign in again', 'TOKEN_INVALID');
      }
      const user = findUser(String(payload.sub));
      if (!user || payload.role !== user.role) throw unauthenticated('the bearer token names no known user; sign in again', 'TOKEN_UNKNOWN_USER');
      return { user, expiresAt: new Date(Number(payload.exp) * 1000) };
    },
  };
}
export type Tokens = ReturnType<typeof createTokens>;
