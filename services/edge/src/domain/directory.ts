import { Role } from '@foodmesh/proto-gen/foodmesh/edge/v1/auth';
import type { Role as PlatformRole } from '@foodmesh/platform';

/**
 * The platform's demo identities (there are no passwords): customers, store
 * owners with their stores, riders with their regions. Ids match the seeds of
 * the store, delivery and notification services.
 */
export interface DirectoryUser {
  userId: string;
  displayName: string;
  role: PlatformRole;
  /** Owners only. */
  storeId?: string;
  /** Riders only. */
  region?: string;
}

export const DEMO_USERS: readonly DirectoryUser[] = [
  { userId: 'customer-1', displayName: 'Kim Jisoo', role: 'customer' },
  { userId: 'customer-2', displayName: 'Emma Wilson', role: 'customer' },
  { userId: 'owner-1', displayName: 'Choi Hana', role: 'owner', storeId: 'store-gangnam-chicken' },
  { userId: 'owner-2', displayName: 'Jung Woojin', role: 'owner', storeId: 'store-hongdae-bibimbap' },
  { userId: 'owner-3', displayName: 'Han Seojun', role: 'owner', storeId: 'store-jamsil-pizza' },
  { userId: 'rider-1', displayName: 'Kim Minjun', role: 'rider', region: 'seoul-gangnam' },
  { userId: 'rider-2', displayName: 'Lee Seoyeon', role: 'rider', region: 'seoul-gangnam' },
  { userId: 'rider-3', displayName: 'Park Jihoon', role: 'rider', region: 'seoul-mapo' },
  { userId: 'rider-4', displayName: 'Choi Yuna', role: 'rider', region: 'seoul-songpa' },
];

const byId = new Map(DEMO_USERS.map((u) => [u.userId, u]));

export const findUser = (userId: string): DirectoryUser | undefined => byId.get(userId);

export const ROLE_TO_PROTO: Record<PlatformRole, Role> = {
  customer: Role.ROLE_CUSTOMER,
  owner: Role.ROLE_OWNER,
  rider: Role.ROLE_RIDER,
};
