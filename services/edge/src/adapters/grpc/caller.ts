import { identityMetadata, permissionDenied, unauthenticated, type CallContext, type CallOptions, type Identity, type Role } from '@foodmesh/platform';
import type { Session, Tokens } from '../../app/tokens';
import type { DirectoryUser } from '../../domain/directory';

/** The verified user of a call and how to call internal services on their behalf. */
export interface Caller {
  user: DirectoryUser;
  identity: Identity;
  /** Identity metadata (`x-foodmesh-user-id`/`-role`) and the inbound call's cancellation. */
  upstream: CallOptions;
}

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i;

const article = (role: Role) => (role === 'owner' ? 'an owner' : `a ${role}`);

/** Reads and verifies the call's bearer token: missing, malformed, expired or forged → UNAUTHENTICATED. */
export function createCallerAuth(tokens: Tokens) {
  async function session(ctx: CallContext): Promise<Session> {
    const header = ctx.header('authorization');
    if (!header) throw unauthenticated('sign in first: this call needs an "authorization: Bearer <token>" header', 'TOKEN_MISSING');
    const m = BEARER.exec(header.trim());
    if (!m) throw unauthenticated('the authorization header must be "Bearer <token>"', 'TOKEN_MALFORMED');
    return tokens.verify(m[1]!);
  }

  return {
    session,
    /** The caller, who must have `role` (else PERMISSION_DENIED); any role when omitted. */
    async caller(ctx: CallContext, role?: Role): Promise<Caller> {
      const { user } = await session(ctx);
      if (role && user.role !== role) {
        throw permissionDenied(`only ${article(role)} may do this; you are signed in as ${article(user.role)}`, 'WRONG_ROLE');
      }
      const identity: Identity = { userId: user.userId, role: user.role };
      return { user, identity, upstream: { metadata: identityMetadata(identity), signal: ctx.signal } };
    },
  };
}
export type CallerAuth = ReturnType<typeof createCallerAuth>;
