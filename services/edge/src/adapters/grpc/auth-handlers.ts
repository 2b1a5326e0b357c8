import { bindService, failedPrecondition, notFound, requireUser, type User as PlatformUser } from '@foodmesh/platform';
import { AuthServiceService, type User } from '@foodmesh/proto-gen/foodmesh/edge/v1/auth';
import type { DemoSignIn } from '../../app/demo-sign-in';
import { DEMO_USERS, findUser, ROLE_TO_PROTO } from '../../domain/directory';

export const toUser = (u: PlatformUser): User => ({
  userId: u.userId,
  displayName: u.displayName ?? u.userId,
  role: ROLE_TO_PROTO[u.role],
  storeId: u.storeId ?? '',
  region: u.region ?? '',
});

/**
 * Sign-in. Where demo sign-in is on (local runs, the dev cluster) anyone may
 * sign in as a demo user; elsewhere users bring a token from the identity
 * provider, and only GetCurrentUser answers.
 */
export const authService = (deps: { demo?: DemoSignIn }) => {
  const demo = () => {
    if (!deps.demo) throw failedPrecondition('demo sign-in is off here; sign in with the identity provider and send its token', 'DEMO_SIGN_IN_OFF');
    return deps.demo;
  };
  return bindService(
    AuthServiceService,
    {
      async listDemoUsers() {
        demo();
        return { users: DEMO_USERS.map(toUser) };
      },
      async signIn(req) {
        const signIn = demo();
        const user = findUser(req.userId.trim());
        if (!user) throw notFound(`there is no demo user "${req.userId}"`, 'UNKNOWN_USER');
        const { token, expiresAt } = signIn.token(user);
        return { token, user: toUser(user), expiresAt };
      },
      async getCurrentUser(_req, ctx) {
        const user = requireUser(ctx);
        return { user: toUser(user), expiresAt: user.expiresAt };
      },
    },
    { anonymous: ['listDemoUsers', 'signIn'] },
  );
};
