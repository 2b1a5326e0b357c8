import { failedPrecondition, permissionDenied } from '@foodmesh/platform/errors';

/**
 * A delivery's life:
 *
 *   (CookingFinished) → AVAILABLE ─pickUp→ PICKED_UP ─complete→ COMPLETED
 *                        ↑  └─withdraw (order cancelled)→ WITHDRAWN
 *                        └──decline (its rider gives it back)──┘
 *
 * Each input is applied (new state + the event to publish), ignored as a
 * duplicate (it already happened), or rejected with FAILED_PRECONDITION. A
 * rejected event is parked by the consumer for a person to look at.
 */
export const DELIVERY_STATUSES = ['AVAILABLE', 'PICKED_UP', 'COMPLETED', 'WITHDRAWN'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryState {
  status: DeliveryStatus;
  /** The rider who picked it up; empty while AVAILABLE or WITHDRAWN. */
  riderId: string;
}

export type DeliveryInput =
  /** A rider says they picked the food up (PickUp RPC). */
  | { type: 'pickUp'; riderId: string }
  /** The customer confirmed the delivery (OrderCompleted). */
  | { type: 'complete'; riderId: string }
  /** The order was cancelled (OrderCancelled). */
  | { type: 'withdraw'; reason: string }
  /** Its rider gives the delivery back (DeclineDelivery RPC). */
  | { type: 'decline'; riderId: string; reason: string };

export type DeliveryEvent =
  | { type: 'DeliveryPickedUp'; riderId: string }
  | { type: 'DeliveryCompleted'; riderId: string }
  | { type: 'DeliveryWithdrawn'; reason: string }
  | { type: 'DeliveryDeclined'; riderId: string; reason: string };

export type Decision = { outcome: 'applied'; next: DeliveryState; event: DeliveryEvent } | { outcome: 'duplicate' };

export const ALREADY_PICKED_UP = 'already picked up by another rider';

/** Riders work one region: a delivery is offered to, and taken by, riders of its region only. */
export function checkRiderRegion(rider: { riderId: string; region: string }, delivery: { deliveryId: string; region: string }): void {
  if (rider.region !== delivery.region) {
    throw permissionDenied(`delivery ${delivery.deliveryId} is in ${delivery.region}; rider ${rider.riderId} rides in ${rider.region}`, 'OTHER_REGION');
  }
}

function pickUp(state: DeliveryState, riderId: string): Decision {
  switch (state.status) {
    case 'AVAILABLE':
      return { outcome: 'applied', next: { status: 'PICKED_UP', riderId }, event: { type: 'DeliveryPickedUp', riderId } };
    case 'PICKED_UP':
    case 'COMPLETED':
      // The same rider repeating the call gets the delivery back unchanged.
      if (state.riderId === riderId) return { outcome: 'duplicate' };
      throw failedPrecondition(ALREADY_PICKED_UP, 'DELIVERY_TAKEN');
    case 'WITHDRAWN':
      throw failedPrecondition('the delivery was withdrawn because its order was cancelled', 'DELIVERY_WITHDRAWN');
  }
}

function complete(state: DeliveryState, riderId: string): Decision {
  switch (state.status) {
    case 'PICKED_UP':
      return { outcome: 'applied', next: { ...state, status: 'COMPLETED' }, event: { type: 'DeliveryCompleted', riderId: state.riderId } };
    case 'AVAILABLE':
      // The customer's confirmation is what completes an order, even if the
      // pickup was never recorded; leaving it AVAILABLE would offer riders food
      // that has been delivered.
      return { outcome: 'applied', next: { status: 'COMPLETED', riderId }, event: { type: 'DeliveryCompleted', riderId } };
    case 'COMPLETED':
      return { outcome: 'duplicate' };
    case 'WITHDRAWN':
      throw failedPrecondition('a withdrawn delivery cannot complete: its order was cancelled', 'DELIVERY_WITHDRAWN');
  }
}

function withdraw(state: DeliveryState, reason: string): Decision {
  switch (state.status) {
    case 'AVAILABLE':
      return { outcome: 'applied', next: { status: 'WITHDRAWN', riderId: '' }, event: { type: 'DeliveryWithdrawn', reason } };
    case 'WITHDRAWN':
      return { outcome: 'duplicate' };
    case 'PICKED_UP':
    case 'COMPLETED':
      // The store refuses cancellation once cooking starts, so this is a
      // contradiction between services, not something to paper over.
      throw failedPrecondition(`the delivery is ${state.status.toLowerCase().replace('_', ' ')}, so it cannot be withdrawn`, `DELIVERY_${state.status}`);
  }
}

function decline(state: DeliveryState, riderId: string, reason: string): Decision {
  switch (state.status) {
    case 'PICKED_UP':
      if (state.riderId !== riderId) throw permissionDenied(`the delivery is rider ${state.riderId}'s, not yours`, 'NOT_YOUR_DELIVERY');
      return { outcome: 'applied', next: { status: 'AVAILABLE', riderId: '' }, event: { type: 'DeliveryDeclined', riderId, reason } };
    case 'AVAILABLE':
      // Already given back (a repeated call), or never taken: nothing to give back either way.
      return { outcome: 'duplicate' };
    case 'COMPLETED':
      throw failedPrecondition('the delivery is already completed', 'DELIVERY_COMPLETED');
    case 'WITHDRAWN':
      throw failedPrecondition('the delivery was withdrawn because its order was cancelled', 'DELIVERY_WITHDRAWN');
  }
}

/** Decides what an input does to a delivery in its current state. Pure. */
export function decide(state: DeliveryState, input: DeliveryInput): Decision {
  switch (input.type) {
    case 'pickUp':
      return pickUp(state, input.riderId);
    case 'complete':
      return complete(state, input.riderId);
    case 'withdraw':
      return withdraw(state, input.reason);
    case 'decline':
      return decline(state, input.riderId, input.reason);
  }
}
