import { Metadata } from '@grpc/grpc-js';
import { createGrpcClient, loadMeshPolicy, USER_ID_HEADER, USER_ROLE_HEADER, type Role } from '@foodmesh/platform';
import { AuthServiceService, Role as ProtoRole } from '@foodmesh/proto-gen/foodmesh/edge/v1/auth';

/**
 * The one place the load suite gets credentials: the edge's own sign-in (AuthService.SignIn), as
 * the web app does. The edge decides how tokens are made (today HS256 with EDGE_JWT_SECRET); a
 * switch to asymmetric keys + JWKS changes nothing here as long as SignIn answers a bearer token.
 */
export interface SignedInUser {
  userId: string;
  role: Role;
  /** Owners only. */
  storeId?: string;
  /** Riders only. */
  region?: string;
  token: string;
  expiresAt: Date;
}

const ROLES: Partial<Record<ProtoRole, Role>> = { [ProtoRole.ROLE_CUSTOMER]: 'customer', [ProtoRole.ROLE_OWNER]: 'owner', [ProtoRole.ROLE_RIDER]: 'rider' };

/**
 * Signs in every demo user (the crew needs all owners and riders), or only `userIds`, and checks
 * that their tokens outlive the run (`validForMs` from now): a token expiring mid-run would turn
 * the second half of it into UNAUTHENTICATED. An unknown user fails before any load is sent.
 */
export async function signIn(edgeAddress: string, opts: { validForMs: number; userIds?: string[] }): Promise<Map<string, SignedInUser>> {
  const auth = createGrpcClient(AuthServiceService, { address: edgeAddress, upstream: 'edge', policy: loadMeshPolicy(), resilienceMode: 'mesh', caller: 'loadtest' });
  try {
    const ids = opts.userIds ?? (await auth.listDemoUsers({})).users.map((u) => u.userId);
    const users = new Map<string, SignedInUser>();
    for (const userId of ids) {
      const res = await auth.signIn({ userId }).catch((err: { details?: string; message: string }) => {
        throw new Error(`cannot sign in as "${userId}" at the edge (${edgeAddress}): ${err.details ?? err.message}`);
      });
      const role = ROLES[res.user!.role];
      if (!role) throw new Error(`the edge signed "${userId}" in without a role`);
      const expiresAt = res.expiresAt!;
      const needed = new Date(Date.now() + opts.validForMs);
      if (expiresAt < needed) {
        throw new Error(
          `the edge's tokens expire at ${expiresAt.toISOString()}, before this run ends (${needed.toISOString()}); ` +
            `start the edge with EDGE_TOKEN_TTL_SECONDS=${Math.ceil(opts.validForMs / 1000) + 600} or more`,
        );
      }
      users.set(userId, { userId, role, storeId: res.user!.storeId || undefined, region: res.user!.region || undefined, token: res.token, expiresAt });
    }
    return users;
  } finally {
    auth.close();
  }
}

/**
 * The metadata a call as `user` carries: the bearer token at the edge; inside the mesh, the
 * identity the edge would forward.
 */
export function callHeaders(user: SignedInUser, target: string): Record<string, string> {
  return target === 'edge' ? { authorization: `Bearer ${user.token}` } : { [USER_ID_HEADER]: user.userId, [USER_ROLE_HEADER]: user.role };
}

export function callMetadata(user: SignedInUser, target: string): Metadata {
  const md = new Metadata();
  for (const [k, v] of Object.entries(callHeaders(user, target))) md.set(k, v);
  return md;
}
