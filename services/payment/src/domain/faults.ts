import { DomainError, invalidArgument } from '@foodmesh/platform/errors';

/** The failures injected into Pay (see payment_admin.proto). All zero: none. */
export interface Faults {
  latencyMs: number;
  errorRate: number;
  /** A gRPC status number; 0 means 14 (UNAVAILABLE). */
  errorCode: number;
  maxConcurrent: number;
  declineRate: number;
}

export const NO_FAULTS: Faults = { latencyMs: 0, errorRate: 0, errorCode: 0, maxConcurrent: 0, declineRate: 0 };
export const DEFAULT_ERROR_CODE = 14;

/** Rejects impossible faults with INVALID_ARGUMENT naming the field. */
export function validateFaults(f: Faults): Faults {
  const rate = (name: string, v: number) => {
    if (!(v >= 0 && v <= 1)) throw invalidArgument(`${name} must be between 0.0 and 1.0, not ${v}`);
  };
  const nonNegative = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 0) throw invalidArgument(`${name} must be a whole number ≥ 0, not ${v}`);
  };
  nonNegative('latency_ms', f.latencyMs);
  nonNegative('max_concurrent', f.maxConcurrent);
  rate('error_rate', f.errorRate);
  rate('decline_rate', f.declineRate);
  if (!Number.isInteger(f.errorCode) || f.errorCode < 0 || f.errorCode > 16) {
    throw invalidArgument(`error_code must be a gRPC status number from 1 to 16 (or 0 for UNAVAILABLE), not ${f.errorCode}`);
  }
  return { ...f };
}

/** What an admitted Pay call does after its latency. */
export type FaultVerdict = { kind: 'fail'; code: number } | { kind: 'decline' } | { kind: 'pass' };

/**
 * The fault knob of one replica. `random` is injected so tests can choose
 * which calls fail; production uses Math.random.
 */
export class FaultInjector {
  private faults: Faults;
  private inFlight = 0;

  constructor(
    initial: Faults = NO_FAULTS,
    private readonly random: () => number = Math.random,
  ) {
    this.faults = validateFaults(initial);
  }

  get(): Faults {
    return { ...this.faults };
  }

  set(faults: Faults): Faults {
    this.faults = validateFaults(faults);
    return this.get();
  }

  get latencyMs(): number {
    return this.faults.latencyMs;
  }

  /**
   * Admits one Pay call, or refuses it at once with RESOURCE_EXHAUSTED when
   * `max_concurrent` calls are already in flight. Call the returned function
   * when the call is done.
   */
  admit(): () => void {
    const cap = this.faults.maxConcurrent;
    if (cap > 0 && this.inFlight >= cap) {
      throw new DomainError('RESOURCE_EXHAUSTED', `payment is at capacity (${cap} payments in progress); try again shortly`, {
        retryAfterSeconds: 1,
        reason: 'PAYMENT_AT_CAPACITY',
      });
    }
    this.inFlight++;
    let released = false;
    return () => {
      if (!released) this.inFlight--;
      released = true;
    };
  }

  /** Errors are drawn first, then declines, each with its own draw. */
  verdict(): FaultVerdict {
    const { errorRate, declineRate, errorCode } = this.faults;
    if (errorRate > 0 && this.random() < errorRate) return { kind: 'fail', code: errorCode || DEFAULT_ERROR_CODE };
    if (declineRate > 0 && this.random() < declineRate) return { kind: 'decline' };
    return { kind: 'pass' };
  }
}
