import { status } from '@grpc/grpc-js';
import { seededRandom } from '@foodmesh/testkit';
import { backoffMs, choosePlan, planDraw, stateWaitMs, thinkTime, verdict } from './crew-plan';

describe('crew decisions', () => {
  it('splits orders into reject, cancel and deliver by the configured shares', () => {
    const random = seededRandom(7);
    const plans = Array.from({ length: 10_000 }, () => choosePlan({ rejectShare: 0.1, cancelShare: 0.2 }, random()));
    const share = (p: string) => plans.filter((x) => x === p).length / plans.length;
    expect(share('reject')).toBeCloseTo(0.1, 1);
    expect(share('cancel')).toBeCloseTo(0.2, 1);
    expect(share('deliver')).toBeCloseTo(0.7, 1);
    expect(choosePlan({ rejectShare: 0, cancelShare: 0 }, 0)).toBe('deliver');
  });

  it('spreads the plans evenly from the first order on, the same every run', () => {
    const plan = (n: number) => choosePlan({ rejectShare: 0.2, cancelShare: 0.2 }, planDraw(n));
    expect([1, 2, 3, 4, 5].map(plan)).toEqual(['deliver', 'cancel', 'deliver', 'deliver', 'reject']);
    const plans = Array.from({ length: 1000 }, (_, i) => plan(i + 1));
    expect(plans.filter((p) => p === 'reject').length / 1000).toBeCloseTo(0.2, 2);
    expect(plans.filter((p) => p === 'cancel').length / 1000).toBeCloseTo(0.2, 2);
  });

  it('thinks between half and one and a half times the mean', () => {
    expect(thinkTime(200, 0)).toBe(100);
    expect(thinkTime(200, 0.999)).toBe(300);
    expect(thinkTime(0, 0.5)).toBe(0);
  });

  it('retries a busy stack and a state not caught up yet; a lost race is no failure', () => {
    expect(verdict(status.UNAVAILABLE)).toBe('retry');
    expect(verdict(status.NOT_FOUND)).toBe('retry');
    expect(verdict(status.FAILED_PRECONDITION)).toBe('raced');
    expect(verdict(status.FAILED_PRECONDITION, { waitsForState: true })).toBe('retry');
    expect(verdict(status.PERMISSION_DENIED)).toBe('failed');
    expect(verdict(status.INTERNAL)).toBe('failed');
    expect([1, 2, 3, 5, 9].map(backoffMs)).toEqual([100, 200, 400, 1600, 2000]);
    expect([1, 2, 3, 4].map(stateWaitMs)).toEqual([500, 1000, 2000, 2000]);
  });
});
