import { Metadata } from '@grpc/grpc-js';
import { permissionDenied, unauthenticated } from './errors';
import type { CallContext } from './grpc-types';

/**
 * Who is calling. The edge verifies the user's token and forwards the identity
 * to internal services in these metadata keys; inside the mesh, mTLS and
 * AuthorizationPolicy make sure only the edge (and services) can set them.
 */
export const USER_ID_HEADER = 'x-foodmesh-user-id';
export const USER_ROLE_HEADER = 'x-foodmesh-user-role';

export type Role = 'customer' | 'owner' | 'rider';
export interface Identity {
  userId: string;
  role: Role;
}

const article = (role: Role) => `${role === 'owner' ? 'an' : 'a'} ${role}`;

/** User ids are short printable tokens (`customer-1`); anything else in the header is no identity. */
const USER_ID = /^[\x21-\x7e]{1,64}$/;

export function identityOf(ctx: Pick<CallContext, 'header'>): Identity | undefined {
  const userId = ctx.header(USER_ID_HEADER);
  const role = ctx.header(USER_ROLE_HEADER);
  if (!userId || !USER_ID.test(userId) || (role !== 'customer' && role !== 'owner' && role !== 'rider')) return undefined;
  return { userId, role };
}

/** The caller's identity with the given role, or UNAUTHENTICATED / PERMISSION_DENIED. */
export function requireIdentity(ctx: Pick<CallContext, 'header'>, role: Role): Identity {
  const id = identityOf(ctx);
  if (!id) throw unauthenticated(`this call needs the caller's identity (${USER_ID_HEADER}, ${USER_ROLE_HEADER})`);
  if (id.role !== role) throw permissionDenied(`only ${article(role)} may do this; you are signed in as ${article(id.role)}`);
  return id;
}

/** Metadata that forwards an identity to an internal service. */
export function identityMetadata(id: Identity): Metadata {
  const md = new Metadata();
  md.set(USER_ID_HEADER, id.userId);
  md.set(USER_ROLE_HEADER, id.role);
  return md;
}
