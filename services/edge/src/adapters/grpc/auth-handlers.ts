import { bindService, requireUser, type User as PlatformUser } from '@foodmesh/platform';
import { AuthServiceService, type User } from '@foodmesh/proto-gen/foodmesh/edge/v1/auth';
import type { DemoSignIn } from '../../app/demo-sign-in';
import { ROLE_TO_PROTO } from '../../domain/directory';

const toUser = (u: PlatformUser): User => ({
  userId: u.userId,
  displayName: u.displayName ?? u.userId,
  role: ROLE_TO_PROTO[u.role],
  storeId: u.storeId ?? '',
  region: u.region ?? '',
});

/** Sign-in: the demo sign-in where it is on (anyone, anonymously); who the token's user is, everywhere. */
export const authService = (demo: DemoSignIn) =>
  bindService(
    AuthServiceService,
    {
      async listDemoUsers() {
        return { users: demo.users().map(toUser) };
      },
      async signIn(req) {
        const { user, token, expiresAt } = demo.signIn(req.userId);
        return { token, user: toUser(user), expiresAt };
      },
      async getCurrentUser(_req, ctx) {
        const user = requireUser(ctx);
        return { user: toUser(user), expiresAt: user.expiresAt };
      },
    },
    { anonymous: ['listDemoUsers', 'signIn'] },
  );
