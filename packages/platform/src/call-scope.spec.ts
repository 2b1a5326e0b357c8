import { effectiveDeadline, runInScope } from './call-scope';

describe('effectiveDeadline', () => {
  it('uses the timeout when there is no inbound call', () => {
    expect(effectiveDeadline(2000, 1_000)).toBe(3_000);
  });

  it('never outlives the inbound deadline: 300 ms left beats a 2 s timeout', () => {
    runInScope({ deadline: 1_300, requestId: 'r' }, () => {
      expect(effectiveDeadline(2000, 1_000)).toBe(1_300);
    });
  });

  it('keeps a shorter timeout inside a generous inbound deadline', () => {
    runInScope({ deadline: 60_000, requestId: 'r' }, () => {
      expect(effectiveDeadline(500, 1_000)).toBe(1_500);
    });
  });
});
