import { bearerMetadata, permissionDenied, requireUser, type CallContext, type CallOptions, type Role } from '@foodmesh/platform';

/** The verified user of a call (platform identity.ts) and how to call internal services on their behalf. */
export interface Caller {
  user: ReturnType<typeof requireUser>;
  /** The user's own token, forwarded, and the inbound call's cancellation. */
  upstream: CallOptions;
}

/** The call's user, who must have `role` (else PERMISSION_DENIED); any role when omitted. */
export function callerOf(ctx: CallContext, role?: Role): Caller {
  const user = requireUser(ctx, role);
  return { user, upstream: { metadata: bearerMetadata(user.token), signal: ctx.signal } };
}

/** A claim the edge needs that the user's token lacks (a real identity provider must issue it). */
export const missingClaim = (claim: string, what: string) =>
  permissionDenied(`your token has no "${claim}" claim, so the edge does not know ${what}; ask for an account with one`, 'MISSING_CLAIM');
