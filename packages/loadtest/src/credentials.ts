import { Metadata } from '@grpc/grpc-js';
import type { LocalIdentity } from '@foodmesh/local-infra';
import { createGrpcClient, loadMeshPolicy, WORKLOAD_TOKEN_HEADER, type Role } from '@foodmesh/platform';
import { AuthServiceService, Role as ProtoRole } from '@foodmesh/proto-gen/foodmesh/edge/v1/auth';

/**
 * The one place the load suite gets credentials: the edge's own demo sign-in (AuthService.SignIn,
 * on where DEMO_SIGN_IN=on, as in every local stack and the dev cluster), as the web app does. The
 * edge decides how tokens are made (ES256, checked by every service against the stack's key set).
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

const ROLES: Partial<Record<ProtoRole, Role>> = {
  [ProtoRole.ROLE_CUSTOMER]: 'customer',
  [ProtoRole.ROLE_OWNER]: 'owner',
  [ProtoRole.ROLE_RIDER]: 'rider',
  [ProtoRole.ROLE_OPS]: 'ops',
};

/**
 * Signs in every demo user (the crew needs all owners and riders), or only `userIds`, and checks
 * that their tokens outlive the run (`validForMs` from now): a token expiring mid-run would turn
 * the second half of it into UNAUTHENTICATED. An unknown user fails before any load is sent.
 */
export async function signIn(edgeAddress: string, opts: { validForMs: number; userIds?: string[] }): Promise<Map<string, SignedInUser>> {
  const auth = createGrpcClient(AuthServiceService, {
    address: edgeAddress,
    upstream: 'edge',
    policy: loadMeshPolicy(),
    resilienceMode: 'mesh',
    caller: 'loadtest',
  });
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
            `start the edge with EDGE_TOKEN_TTL_SECONDS=${tokenLifetimeEnv(opts.validForMs).EDGE_TOKEN_TTL_SECONDS} or more`,
        );
      }
      users.set(userId, { userId, role, storeId: res.user!.storeId || undefined, region: res.user!.region || undefined, token: res.token, expiresAt });
    }
    return users;
  } finally {
    auth.close();
  }
}

/** The edge's setting under which its sign-in's tokens outlive a run of `validForMs` (a stack the suite starts gets it). */
export const tokenLifetimeEnv = (validForMs: number) => ({ EDGE_TOKEN_TTL_SECONDS: String(Math.ceil(validForMs / 1000) + 600) });

/**
 * The metadata a call as `user` carries: the bearer token; a call to a service behind the edge
 * also carries the edge's workload token, as the edge's own calls for a user do locally (in the
 * mesh, mTLS proves the workload). ghz's headers are fixed for a run, so the token lives `validForMs`.
 */
export function callHeaders(user: SignedInUser, target: string, workload?: { identity: LocalIdentity; validForMs: number }): Record<string, string> {
  const bearer = { authorization: `Bearer ${user.token}` };
  if (target === 'edge') return bearer;
  if (!workload) throw new Error(`a call to ${target} needs the edge's workload identity, and this stack's keys are not known here`);
  return { ...bearer, [WORKLOAD_TOKEN_HEADER]: workload.identity.workloadToken('edge', Math.ceil(workload.validForMs / 1000)) };
}

/** The edge's public API as `user` (the crew's calls). */
export function edgeCallMetadata(user: SignedInUser): Metadata {
  const md = new Metadata();
  for (const [k, v] of Object.entries(callHeaders(user, 'edge'))) md.set(k, v);
  return md;
}
