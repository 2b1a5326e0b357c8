import { Role } from '@foodmesh/proto-gen/foodmesh/edge/v1/auth';
import type { Role as PlatformRole, User } from '@foodmesh/platform';

/**
 * The demo identities the demo sign-in issues tokens for (there are no
 * passwords): customers, store owners with their stores, riders with their
 * regions, and an operator. Ids match the seeds of the store, delivery and notification
 * services. Only the demo sign-in reads this; every call's user comes from its
 * token's claims.
 */
export const DEMO_USERS: readonly User[] = [
  { userId: 'customer-1', displayName: 'Kim Jisoo', role: 'customer' },
  { userId: 'customer-2', displayName: 'Emma Wilson', role: 'customer' },
  { userId: 'owner-1', displayName: 'Choi Hana', role: 'owner', storeId: 'store-gangnam-chicken' },
  { userId: 'owner-2', displayName: 'Jung Woojin', role: 'owner', storeId: 'store-hongdae-bibimbap' },
  { userId: 'owner-3', displayName: 'Han Seojun', role: 'owner', storeId: 'store-jamsil-pizza' },
  { userId: 'rider-1', displayName: 'Kim Minjun', role: 'rider', region: 'seoul-gangnam' },
  { userId: 'rider-2', displayName: 'Lee Seoyeon', role: 'rider', region: 'seoul-gangnam' },
  { userId: 'rider-3', displayName: 'Park Jihoon', role: 'rider', region: 'seoul-mapo' },
  { userId: 'rider-4', displayName: 'Choi Yuna', role: 'rider', region: 'seoul-songpa' },
  { userId: 'ops-1', displayName: 'Yoon Dahye', role: 'ops' },
];

const byId = new Map(DEMO_USERS.map((u) => [u.userId, u]));

export const findUser = (userId: string): User | undefined => byId.get(userId);

export const ROLE_TO_PROTO: Record<PlatformRole, Role> = {
  customer: Role.ROLE_CUSTOMER,
  owner: Role.ROLE_OWNER,
  rider: Role.ROLE_RIDER,
  ops: Role.ROLE_OPS,
};
