import { DomainError } from '@foodmesh/platform/errors';
import { FaultInjector, NO_FAULTS, validateFaults } from './faults';

/** A random source that returns the given draws in turn. */
const draws = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('payment fault knob', () => {
  it('injects nothing when all faults are zero', () => {
    const f = new FaultInjector(NO_FAULTS, draws(0));
    expect(f.verdict()).toEqual({ kind: 'pass' });
    expect(() => f.admit()).not.toThrow();
  });

  it('fails the calls whose draw is below error_rate, with UNAVAILABLE (14) by default', () => {
    const f = new FaultInjector({ ...NO_FAULTS, errorRate: 0.5 }, draws(0.2, 0.7));
    expect(f.verdict()).toEqual({ kind: 'fail', code: 14 });
    expect(f.verdict()).toEqual({ kind: 'pass' });
  });

  it('uses the configured error code', () => {
    const f = new FaultInjector({ ...NO_FAULTS, errorRate: 1, errorCode: 8 }, draws(0.99));
    expect(f.verdict()).toEqual({ kind: 'fail', code: 8 });
  });

  it('declines calls whose draw is below decline_rate, after the error draw', () => {
    const f = new FaultInjector({ ...NO_FAULTS, errorRate: 0.1, declineRate: 0.5 }, draws(0.9, 0.3, 0.9, 0.8));
    expect(f.verdict()).toEqual({ kind: 'decline' });
    expect(f.verdict()).toEqual({ kind: 'pass' });
  });

  it('refuses calls beyond max_concurrent with RESOURCE_EXHAUSTED until one is released', () => {
    const f = new FaultInjector({ ...NO_FAULTS, maxConcurrent: 2 });
    const a = f.admit();
    f.admit();
    const refused = (() => {
      try {
        f.admit();
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).kind).toBe('RESOURCE_EXHAUSTED');
    a();
    a(); // releasing twice frees one slot, not two
    expect(() => f.admit()).not.toThrow();
    expect(() => f.admit()).toThrow(/at capacity/);
  });

  it.each([
    [{ errorRate: 1.5 }, /error_rate/],
    [{ declineRate: -0.1 }, /decline_rate/],
    [{ latencyMs: -1 }, /latency_ms/],
    [{ maxConcurrent: 1.5 }, /max_concurrent/],
    [{ errorCode: 17 }, /error_code/],
  ])('rejects impossible faults %p with INVALID_ARGUMENT', (bad, message) => {
    expect(() => validateFaults({ ...NO_FAULTS, ...bad })).toThrow(message);
    try {
      validateFaults({ ...NO_FAULTS, ...bad });
    } catch (e) {
      expect((e as DomainError).kind).toBe('INVALID_ARGUMENT');
    }
  });

  it('replaces the faults in force on set', () => {
    const f = new FaultInjector({ ...NO_FAULTS, latencyMs: 100 });
    expect(f.set({ ...NO_FAULTS, declineRate: 0.25 })).toEqual({ ...NO_FAULTS, declineRate: 0.25 });
    expect(f.latencyMs).toBe(0);
  });
});
