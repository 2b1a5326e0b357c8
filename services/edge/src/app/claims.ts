import { permissionDenied } from '@foodmesh/platform';
import type { Caller } from './ports';

/** A claim the edge needs that the user's token lacks (a real identity provider must issue it). */
const missingClaim = (claim: string, what: string) =>
  permissionDenied(`your token has no "${claim}" claim, so the edge does not know ${what}; ask for an account with one`, 'MISSING_CLAIM');

/** The store an owner runs (the token's `store_id`). */
export function storeOf(me: Caller): string {
  if (!me.user.storeId) throw missingClaim('store_id', 'which store you run');
  return me.user.storeId;
}

/** The region a rider rides in (the token's `region`). */
export function regionOf(me: Caller): string {
  if (!me.user.region) throw missingClaim('region', 'where you ride');
  return me.user.region;
}
