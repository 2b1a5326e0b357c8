import { status } from '@grpc/grpc-js';

/** What the crew will do with one order, decided when it first sees it. */
export type Plan = 'deliver' | 'reject' | 'cancel';

export interface CrewSettings {
  rejectShare: number;
  cancelShare: number;
  thinkMs: { owner: number; cook: number; rider: number; customer: number; payLater: number };
  maxInFlight: number;
  drainTimeout: number;
}

/**
 * The n-th order's draw (n = 1, 2, …): the fractional parts of n·φ spread evenly over [0, 1) from
 * the first order on, so even a short run holds each plan near its share (random draws could give
 * it no rejection at all), and every run makes the same choices.
 */
export const planDraw = (n: number): number => (n * 0.6180339887498949) % 1;

export function choosePlan(settings: Pick<CrewSettings, 'rejectShare' | 'cancelShare'>, draw: number): Plan {
  if (draw < settings.rejectShare) return 'reject';
  if (draw < settings.rejectShare + settings.cancelShare) return 'cancel';
  return 'deliver';
}

/** A think time around `meanMs`: uniform between half and one and a half times it. */
export const thinkTime = (meanMs: number, draw: number): number => Math.round(meanMs * (0.5 + draw));

/** How a crew call that failed is taken. */
export type Verdict = 'retry' | 'raced' | 'failed';

/**
 * UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED and ABORTED are the stack being busy or a
 * replica going away: try again. NOT_FOUND is a service that has not consumed the event yet (the
 * store has not heard of the paid order): try again. FAILED_PRECONDITION is a race the saga allows
 * (a cancel and the start of cooking: one wins) unless the action says the state is merely behind.
 */
export function verdict(code: number, opts: { waitsForState?: boolean } = {}): Verdict {
  switch (code) {
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
    case status.RESOURCE_EXHAUSTED:
    case status.ABORTED:
    case status.NOT_FOUND:
      return 'retry';
    case status.FAILED_PRECONDITION:
      return opts.waitsForState ? 'retry' : 'raced';
    default:
      return 'failed';
  }
}

/** Backoff before try `attempt` + 1: 100 ms doubling to 2 s. */
export const backoffMs = (attempt: number): number => Math.min(2000, 100 * 2 ** (attempt - 1));
/**
 * Waiting for the stack to catch up with an event the crew already saw (e.g. ConfirmDelivered
 * before the order service has applied the pickup): a person looks again after a moment, not
 * at once; a 100 ms start made ~5 calls per confirmation under load.
 */
export const stateWaitMs = (attempt: number): number => Math.min(2000, 500 * 2 ** (attempt - 1));
