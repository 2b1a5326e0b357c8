import { signJwt, type PrivateJwk, type SignedToken, type User } from '@foodmesh/platform';

/**
 * The demo sign-in plays the identity provider where it is switched on: it signs
 * a demo user's token with the claims a real provider would put in one (`sub`,
 * `role`, `store_id`, `region`, `name`), which every service then verifies
 * against the key set like any other token.
 */
export function createDemoSignIn(opts: { key: PrivateJwk; issuer: string; audience: string; ttlSeconds: number; now?: () => number }) {
  return {
    token(user: User): SignedToken {
      const claims = { sub: user.userId, role: user.role, store_id: user.storeId, region: user.region, name: user.displayName };
      return signJwt(opts.key, claims, { issuer: opts.issuer, audience: opts.audience, ttlSeconds: opts.ttlSeconds, now: opts.now?.() });
    },
  };
}
export type DemoSignIn = ReturnType<typeof createDemoSignIn>;
