import { DomainError } from '@foodmesh/platform/errors';
import {
  decide,
  STORE_ORDER_STATUSES,
  validateCommand,
  type Decision,
  type StoreOrderCommand,
  type StoreOrderState,
  type StoreOrderStatus,
} from './store-order';

const COMMANDS: Record<StoreOrderCommand['type'], StoreOrderCommand> = {
  accept: { type: 'accept', estimatedReadyMinutes: 25 },
  reject: { type: 'reject', reason: 'out of chicken' },
  startCooking: { type: 'startCooking' },
  finishCooking: { type: 'finishCooking' },
  requestCancellation: { type: 'requestCancellation', reason: 'changed my mind' },
};

type Expect = `→${StoreOrderStatus}` | 'duplicate' | 'refused' | 'wrong state';

// Every command in every state. Rows: current status; columns: command.
const TABLE: Record<StoreOrderStatus, Record<StoreOrderCommand['type'], Expect>> = {
  REQUESTED: { accept: '→ACCEPTED', reject: '→REJECTED', startCooking: 'wrong state', finishCooking: 'wrong state', requestCancellation: '→CANCELLED' },
  ACCEPTED: { accept: 'duplicate', reject: 'wrong state', startCooking: '→COOKING', finishCooking: 'wrong state', requestCancellation: '→CANCELLED' },
  REJECTED: { accept: 'wrong state', reject: 'duplicate', startCooking: 'wrong state', finishCooking: 'wrong state', requestCancellation: 'refused' },
  COOKING: { accept: 'wrong state', reject: 'wrong state', startCooking: 'duplicate', finishCooking: '→COOKED', requestCancellation: 'refused' },
  COOKED: { accept: 'wrong state', reject: 'wrong state', startCooking: 'wrong state', finishCooking: 'duplicate', requestCancellation: 'refused' },
  CANCELLED: { accept: 'wrong state', reject: 'wrong state', startCooking: 'wrong state', finishCooking: 'wrong state', requestCancellation: 'duplicate' },
};

const state = (status: StoreOrderStatus): StoreOrderState => ({ status, estimatedReadyMinutes: 0, reason: '' });

function summarize(s: StoreOrderState, c: StoreOrderCommand): { kind: Expect; decision?: Decision; error?: DomainError } {
  try {
    const d = decide(s, c);
    return { kind: d.outcome === 'applied' ? `→${d.next.status}` : d.outcome, decision: d };
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return { kind: 'wrong state', error: err };
  }
}

describe('store order state machine', () => {
  const cases = STORE_ORDER_STATUSES.flatMap((s) => Object.values(COMMANDS).map((c) => [s, c.type, TABLE[s][c.type]] as const));

  it.each(cases)('in %s, %s → %s', (status, type, expected) => {
    expect(summarize(state(status), COMMANDS[type]).kind).toBe(expected);
  });

  it('names the current status in every wrong-state error, as FAILED_PRECONDITION', () => {
    for (const [status, type, expected] of cases) {
      if (expected !== 'wrong state') continue;
      const { error } = summarize(state(status), COMMANDS[type]);
      expect(error?.kind).toBe('FAILED_PRECONDITION');
      expect(error?.message).toContain(`the order is ${status.toLowerCase()}`);
      expect(error?.reason).toBe(`STORE_ORDER_${status}`);
    }
  });

  it('emits the event of each applied transition, carrying what the owner said', () => {
    expect(decide(state('REQUESTED'), COMMANDS.accept)).toMatchObject({
      next: { estimatedReadyMinutes: 25 },
      event: { type: 'OrderAccepted', estimatedReadyMinutes: 25 },
    });
    expect(decide(state('REQUESTED'), COMMANDS.reject)).toMatchObject({
      next: { reason: 'out of chicken' },
      event: { type: 'OrderRejected', reason: 'out of chicken' },
    });
    expect(decide(state('ACCEPTED'), COMMANDS.startCooking)).toMatchObject({ event: { type: 'CookingStarted' } });
    expect(decide(state('COOKING'), COMMANDS.finishCooking)).toMatchObject({ event: { type: 'CookingFinished' } });
    expect(decide(state('ACCEPTED'), COMMANDS.requestCancellation)).toMatchObject({
      next: { reason: 'changed my mind' },
      event: { type: 'StoreOrderCancelled', reason: 'changed my mind' },
    });
  });

  it('refuses a cancellation once cooking started, saying where the order stands', () => {
    expect(decide(state('COOKING'), COMMANDS.requestCancellation)).toEqual({
      outcome: 'refused',
      event: { type: 'CancellationRejected', reason: 'cooking already started', statusWhenRefused: 'COOKING' },
    });
    expect(decide(state('COOKED'), COMMANDS.requestCancellation)).toMatchObject({ event: { statusWhenRefused: 'COOKED' } });
    expect(decide(state('REJECTED'), COMMANDS.requestCancellation)).toMatchObject({ event: { reason: 'the store already rejected the order' } });
  });

  it('keeps the first estimate when an accept is repeated', () => {
    const accepted = { ...state('ACCEPTED'), estimatedReadyMinutes: 25 };
    expect(decide(accepted, { type: 'accept', estimatedReadyMinutes: 90 })).toEqual({ outcome: 'duplicate' });
  });
});

describe('owner command input', () => {
  it.each([0, -5, 241, 2.5])('rejects %p estimated minutes', (m) => {
    expect(() => validateCommand({ type: 'accept', estimatedReadyMinutes: m })).toThrow('estimated_ready_minutes must be a whole number from 1 to 240');
  });

  it('requires a reason to reject, trimmed, at most 500 characters', () => {
    expect(() => validateCommand({ type: 'reject', reason: '   ' })).toThrow('reason is required');
    expect(() => validateCommand({ type: 'reject', reason: 'x'.repeat(501) })).toThrow('at most 500');
    expect(validateCommand({ type: 'reject', reason: '  closed early ' })).toEqual({ type: 'reject', reason: 'closed early' });
  });

  it('accepts valid commands unchanged', () => {
    expect(validateCommand(COMMANDS.accept)).toEqual(COMMANDS.accept);
    expect(validateCommand(COMMANDS.startCooking)).toEqual(COMMANDS.startCooking);
  });
});
