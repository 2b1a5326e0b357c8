import { invalidArgument } from '@foodmesh/platform/errors';

export interface Point {
  lat: number;
  lng: number;
}

export const MAX_RADIUS_M = 50_000;
const EARTH_RADIUS_M = 6_371_008.8;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in metres (haversine): exact enough for a city. */
export function distanceMeters(a: Point, b: Point): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface NearbyQuery {
  region: string;
  near?: Point;
  /** Metres; 0 = no limit (the contract's "zero means no limit"). */
  radiusM: number;
}

/** Checks a ListAvailableDeliveries query before anything is read. */
export function validateNearbyQuery(q: NearbyQuery): NearbyQuery {
  const region = q.region.trim();
  if (!region) throw invalidArgument('region is required, for example "seoul-gangnam"');
  if (!Number.isInteger(q.radiusM) || q.radiusM < 0) throw invalidArgument('radius_m must not be negative (0 means no limit)');
  if (q.radiusM > MAX_RADIUS_M) throw invalidArgument(`radius_m must be at most ${MAX_RADIUS_M} (50 km)`);
  if (q.near) {
    const { lat, lng } = q.near;
    if (!(Math.abs(lat) <= 90) || !(Math.abs(lng) <= 180)) throw invalidArgument('near must be a position with lat from -90 to 90 and lng from -180 to 180');
  }
  return { ...q, region };
}

/**
 * Orders candidates for a rider: with `near`, nearest pickup first and only
 * those within the radius (if any); without it, in the given (oldest first)
 * order, at distance 0.
 */
export function rankByDistance<T>(items: T[], pickupOf: (item: T) => Point, q: NearbyQuery): Array<{ item: T; distanceM: number }> {
  const { near } = q;
  if (!near) return items.map((item) => ({ item, distanceM: 0 }));
  return items
    .map((item) => ({ item, distanceM: Math.round(distanceMeters(near, pickupOf(item))) }))
    .filter((c) => q.radiusM === 0 || c.distanceM <= q.radiusM)
    .sort((a, b) => a.distanceM - b.distanceM);
}
