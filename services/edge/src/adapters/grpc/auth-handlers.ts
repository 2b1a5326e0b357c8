import { bindService, notFound } from '@foodmesh/platform';
import { AuthServiceService, type User } from '@foodmesh/proto-gen/foodmesh/edge/v1/auth';
import type { Tokens } from '../../app/tokens';
import { DEMO_USERS, findUser, ROLE_TO_PROTO, type DirectoryUser } from '../../domain/directory';
import type { CallerAuth } from './caller';

export const toUser = (u: DirectoryUser): User => ({
  userId: u.userId,
  displayName: u.displayName,
  role: ROLE_TO_PROTO[u.role],
  storeId: u.storeId ?? '',
  region: u.region ?? '',
});

/** Sign-in for the demo identities. */
export const authService = (deps: { tokens: Tokens; auth: CallerAuth }) =>
  bindService(AuthServiceService, {
    async listDemoUsers() {
      return { users: DEMO_USERS.map(toUser) };
    },
    async signIn(req) {
      const user = findUser(req.userId.trim());
      if (!user) throw notFound(`there is no demo user "${req.userId}"`, 'UNKNOWN_USER');
      const { token, expiresAt } = await deps.tokens.sign(user);
      return { token, user: toUser(user), expiresAt };
    },
    async getCurrentUser(_req, ctx) {
      const { user, expiresAt } = await deps.auth.session(ctx);
      return { user: toUser(user), expiresAt };
    },
  });
