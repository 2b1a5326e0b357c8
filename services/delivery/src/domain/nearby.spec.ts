import { distanceMeters, rankByDistance, validateNearbyQuery } from './nearby';

const GANGNAM_STATION = { lat: 37.4979, lng: 127.0276 };
const HONGDAE = { lat: 37.5563, lng: 126.922 };
const JAMSIL = { lat: 37.5133, lng: 127.1 };

describe('distanceMeters', () => {
  it('is zero for the same point and symmetric', () => {
    expect(distanceMeters(GANGNAM_STATION, GANGNAM_STATION)).toBe(0);
    expect(distanceMeters(GANGNAM_STATION, HONGDAE)).toBeCloseTo(distanceMeters(HONGDAE, GANGNAM_STATION), 6);
  });

  it('matches known distances across Seoul (within 1%)', () => {
    // Gangnam station ↔ Hongdae ≈ 11.4 km; Gangnam ↔ Jamsil ≈ 6.6 km.
    expect(distanceMeters(GANGNAM_STATION, HONGDAE)).toBeGreaterThan(11_300);
    expect(distanceMeters(GANGNAM_STATION, HONGDAE)).toBeLessThan(11_500);
    expect(distanceMeters(GANGNAM_STATION, JAMSIL)).toBeGreaterThan(6_500);
    expect(distanceMeters(GANGNAM_STATION, JAMSIL)).toBeLessThan(6_700);
  });
});

describe('rankByDistance', () => {
  const pickups = [
    { id: 'hongdae', at: HONGDAE },
    { id: 'jamsil', at: JAMSIL },
    { id: 'gangnam', at: GANGNAM_STATION },
  ];

  it('puts the nearest pickup first and keeps those within the radius', () => {
    const ranked = rankByDistance(pickups, (p) => p.at, { region: 'r', near: GANGNAM_STATION, radiusM: 10_000 });
    expect(ranked.map((r) => r.item.id)).toEqual(['gangnam', 'jamsil']);
    expect(ranked[0]!.distanceM).toBe(0);
  });

  it('keeps every candidate when the radius is 0', () => {
    expect(rankByDistance(pickups, (p) => p.at, { region: 'r', near: GANGNAM_STATION, radiusM: 0 }).map((r) => r.item.id)).toEqual([
      'gangnam',
      'jamsil',
      'hongdae',
    ]);
  });

  it('keeps the given order, at distance 0, without a position', () => {
    expect(rankByDistance(pickups, (p) => p.at, { region: 'r', radiusM: 500 })).toEqual(pickups.map((item) => ({ item, distanceM: 0 })));
  });
});

describe('validateNearbyQuery', () => {
  it.each([
    [{ region: ' ', radiusM: 0 }, 'region is required'],
    [{ region: 'seoul-gangnam', radiusM: -1 }, 'radius_m must not be negative (0 means no limit)'],
    [{ region: 'seoul-gangnam', radiusM: 50_001 }, 'radius_m must be at most 50000 (50 km)'],
    [{ region: 'seoul-gangnam', radiusM: 100, near: { lat: 91, lng: 0 } }, 'near must be a position'],
    [{ region: 'seoul-gangnam', radiusM: 100, near: { lat: Number.NaN, lng: 0 } }, 'near must be a position'],
  ])('rejects %p', (q, message) => {
    expect(() => validateNearbyQuery(q)).toThrow(message);
  });

  it('accepts a region with or without a position, trimming the region', () => {
    expect(validateNearbyQuery({ region: ' seoul-mapo ', radiusM: 0 })).toEqual({ region: 'seoul-mapo', radiusM: 0 });
    expect(validateNearbyQuery({ region: 'seoul-mapo', radiusM: 50_000, near: HONGDAE })).toMatchObject({ radiusM: 50_000 });
  });
});
