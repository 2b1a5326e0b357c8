import { bearerMetadata, requireUser, type CallContext, type Role } from '@foodmesh/platform';
import type { Caller } from '../../app/ports';

/** The call's verified user (platform identity.ts), who must have `role` (else PERMISSION_DENIED; any role when omitted), and how to call on their behalf. */
export function callerOf(ctx: CallContext, role?: Role): Caller {
  const user = requireUser(ctx, role);
  return { user, upstream: { metadata: bearerMetadata(user.token), signal: ctx.signal } };
}
