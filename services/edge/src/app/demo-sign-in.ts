import { failedPrecondition, notFound, signJwt, type PrivateJwk, type SignedToken, type User } from '@foodmesh/platform';
import { DEMO_USERS, findUser } from '../domain/directory';

/**
 * The demo sign-in plays the identity provider where it is switched on (`key` given): it signs
 * a demo user's token with the claims a real provider would put in one (`sub`, `role`,
 * `store_id`, `region`, `name`), which every service then verifies against the key set like
 * any other token. Where it is off, users bring the identity provider's token.
 */
export function createDemoSignIn(opts: { key?: PrivateJwk; issuer: string; audience: string; ttlSeconds: number; now?: () => number }) {
  const keyOrRefuse = () => {
    if (!opts.key) throw failedPrecondition('demo sign-in is off here; sign in with the identity provider and send its token', 'DEMO_SIGN_IN_OFF');
    return opts.key;
  };
  return {
    users(): readonly User[] {
      keyOrRefuse();
      return DEMO_USERS;
    },
    signIn(userId: string): SignedToken & { user: User } {
      const key = keyOrRefuse();
      const user = findUser(userId.trim());
      if (!user) throw notFound(`there is no demo user "${userId}"`, 'UNKNOWN_USER');
      const claims = { sub: user.userId, role: user.role, store_id: user.storeId, region: user.region, name: user.displayName };
      return { user, ...signJwt(key, claims, { issuer: opts.issuer, audience: opts.audience, ttlSeconds: opts.ttlSeconds, now: opts.now?.() }) };
    },
  };
}
export type DemoSignIn = ReturnType<typeof createDemoSignIn>;
