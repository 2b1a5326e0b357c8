import { failedPrecondition, invalidArgument } from '@foodmesh/platform/errors';

/**
 * A store order's life, from the store's point of view:
 *
 *   REQUESTED ─accept→ ACCEPTED ─startCooking→ COOKING ─finishCooking→ COOKED
 *       │                 │
 *       ├─reject→ REJECTED │
 *       └─cancel──────────┴→ CANCELLED
 *
 * The store is the authority on cancellation: a cancellation request is
 * granted before cooking starts and refused from then on. Every decision is
 * one of: applied (new status + the event to publish), duplicate (the
 * transition already happened: nothing changes, nothing is published),
 * refused (a cancellation the store answers with CancellationRejected) or a
 * thrown FAILED_PRECONDITION naming the current status.
 */
export const STORE_ORDER_STATUSES = ['REQUESTED', 'ACCEPTED', 'REJECTED', 'COOKING', 'COOKED', 'CANCELLED'] as const;
export type StoreOrderStatus = (typeof STORE_ORDER_STATUSES)[number];

export type StoreOrderCommand =
  | { type: 'accept'; estimatedReadyMinutes: number }
  | { type: 'reject'; reason: string }
  | { type: 'startCooking' }
  | { type: 'finishCooking' }
  | { type: 'requestCancellation'; reason: string };
export type CommandType = StoreOrderCommand['type'];

/** What the store tells the rest of the saga. */
export type StoreOrderEvent =
  | { type: 'OrderAccepted'; estimatedReadyMinutes: number }
  | { type: 'OrderRejected'; reason: string }
  | { type: 'CookingStarted' }
  | { type: 'CookingFinished' }
  | { type: 'StoreOrderCancelled'; reason: string }
  | { type: 'CancellationRejected'; reason: string; statusWhenRefused: StoreOrderStatus };

export interface StoreOrderState {
  status: StoreOrderStatus;
  estimatedReadyMinutes: number;
  reason: string;
}

export type Decision =
  { outcome: 'applied'; next: StoreOrderState; event: StoreOrderEvent } | { outcome: 'duplicate' } | { outcome: 'refused'; event: StoreOrderEvent };

/** Human words for a status, used in every "wrong state" message. */
export const describeStatus = (s: StoreOrderStatus) => s.toLowerCase();

const ACTION: Record<CommandType, string> = {
  accept: 'accepted',
  reject: 'rejected',
  startCooking: 'started cooking',
  finishCooking: 'finished cooking',
  requestCancellation: 'cancelled',
};

/** The owner commands: from which status each applies, and the status it leads to. */
const OWNER_TRANSITIONS: Record<Exclude<CommandType, 'requestCancellation'>, { from: StoreOrderStatus; to: StoreOrderStatus; needs: string }> = {
  accept: { from: 'REQUESTED', to: 'ACCEPTED', needs: 'only a requested order can be accepted' },
  reject: { from: 'REQUESTED', to: 'REJECTED', needs: 'only a requested order can be rejected' },
  startCooking: { from: 'ACCEPTED', to: 'COOKING', needs: 'cooking can start only once the order is accepted' },
  finishCooking: { from: 'COOKING', to: 'COOKED', needs: 'cooking can finish only once it has started' },
};

function wrongState(state: StoreOrderState, command: CommandType, rule: string): never {
  throw failedPrecondition(`the order is ${describeStatus(state.status)}, so it cannot be ${ACTION[command]}: ${rule}`, `STORE_ORDER_${state.status}`);
}

function decideCancellation(state: StoreOrderState, reason: string): Decision {
  switch (state.status) {
    case 'REQUESTED':
    case 'ACCEPTED':
      return { outcome: 'applied', next: { ...state, status: 'CANCELLED', reason }, event: { type: 'StoreOrderCancelled', reason } };
    case 'CANCELLED':
      // Already granted; the answer went out with that transition.
      return { outcome: 'duplicate' };
    case 'COOKING':
    case 'COOKED':
      return { outcome: 'refused', event: { type: 'CancellationRejected', reason: 'cooking already started', statusWhenRefused: state.status } };
    case 'REJECTED':
      // The store's own rejection (and its refund) is already on its way.
      return { outcome: 'refused', event: { type: 'CancellationRejected', reason: 'the store already rejected the order', statusWhenRefused: state.status } };
  }
}

/** Decides what a command does to a store order in its current state. Pure. */
export function decide(state: StoreOrderState, command: StoreOrderCommand): Decision {
  if (command.type === 'requestCancellation') return decideCancellation(state, command.reason);
  const t = OWNER_TRANSITIONS[command.type];
  // Repeating a transition that already happened returns the order unchanged.
  if (state.status === t.to) return { outcome: 'duplicate' };
  if (state.status !== t.from) wrongState(state, command.type, t.needs);
  switch (command.type) {
    case 'accept':
      return {
        outcome: 'applied',
        next: { ...state, status: t.to, estimatedReadyMinutes: command.estimatedReadyMinutes },
        event: { type: 'OrderAccepted', estimatedReadyMinutes: command.estimatedReadyMinutes },
      };
    case 'reject':
      return { outcome: 'applied', next: { ...state, status: t.to, reason: command.reason }, event: { type: 'OrderRejected', reason: command.reason } };
    case 'startCooking':
      return { outcome: 'applied', next: { ...state, status: t.to }, event: { type: 'CookingStarted' } };
    case 'finishCooking':
      return { outcome: 'applied', next: { ...state, status: t.to }, event: { type: 'CookingFinished' } };
  }
}

export const MAX_READY_MINUTES = 240;
export const MAX_REASON_LENGTH = 500;

/** Input rules of the owner commands, checked before anything is read or written. */
export function validateCommand(command: StoreOrderCommand): StoreOrderCommand {
  switch (command.type) {
    case 'accept':
      if (!Number.isInteger(command.estimatedReadyMinutes) || command.estimatedReadyMinutes < 1 || command.estimatedReadyMinutes > MAX_READY_MINUTES) {
        throw invalidArgument(`estimated_ready_minutes must be a whole number from 1 to ${MAX_READY_MINUTES}`);
      }
      return command;
    case 'reject': {
      const reason = command.reason.trim();
      if (!reason) throw invalidArgument('reason is required: tell the customer why the order is rejected');
      if (reason.length > MAX_REASON_LENGTH) throw invalidArgument(`reason must be at most ${MAX_REASON_LENGTH} characters`);
      return { ...command, reason };
    }
    default:
      return command;
  }
}
