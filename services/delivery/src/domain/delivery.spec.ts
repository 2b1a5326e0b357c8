import { DomainError } from '@foodmesh/platform/errors';
import { ALREADY_PICKED_UP, checkRiderRegion, decide, DELIVERY_STATUSES, type DeliveryInput, type DeliveryState, type DeliveryStatus } from './delivery';

const INPUTS = {
  'pickUp by its rider': { type: 'pickUp', riderId: 'rider-1' },
  'pickUp by another rider': { type: 'pickUp', riderId: 'rider-2' },
  complete: { type: 'complete', riderId: 'rider-1' },
  withdraw: { type: 'withdraw', reason: 'order cancelled' },
  'decline by its rider': { type: 'decline', riderId: 'rider-1', reason: 'flat tyre' },
  'decline by another rider': { type: 'decline', riderId: 'rider-2', reason: 'flat tyre' },
} satisfies Record<string, DeliveryInput>;
type InputName = keyof typeof INPUTS;

type Expect = `→${DeliveryStatus}` | 'duplicate' | `rejected: ${string}` | `denied: ${string}`;

// Every input in every state. "its rider" is rider-1, who holds the delivery once picked up.
const TABLE: Record<DeliveryStatus, Record<InputName, Expect>> = {
  AVAILABLE: {
    'pickUp by its rider': '→PICKED_UP',
    'pickUp by another rider': '→PICKED_UP',
    complete: '→COMPLETED',
    withdraw: '→WITHDRAWN',
    'decline by its rider': 'duplicate',
    'decline by another rider': 'duplicate',
  },
  PICKED_UP: {
    'pickUp by its rider': 'duplicate',
    'pickUp by another rider': `rejected: ${ALREADY_PICKED_UP}`,
    complete: '→COMPLETED',
    withdraw: 'rejected: the delivery is picked up, so it cannot be withdrawn',
    'decline by its rider': '→AVAILABLE',
    'decline by another rider': "denied: the delivery is rider rider-1's, not yours",
  },
  COMPLETED: {
    'pickUp by its rider': 'duplicate',
    'pickUp by another rider': `rejected: ${ALREADY_PICKED_UP}`,
    complete: 'duplicate',
    withdraw: 'rejected: the delivery is completed, so it cannot be withdrawn',
    'decline by its rider': 'rejected: the delivery is already completed',
    'decline by another rider': 'rejected: the delivery is already completed',
  },
  WITHDRAWN: {
    'pickUp by its rider': 'rejected: the delivery was withdrawn because its order was cancelled',
    'pickUp by another rider': 'rejected: the delivery was withdrawn because its order was cancelled',
    complete: 'rejected: a withdrawn delivery cannot complete: its order was cancelled',
    withdraw: 'duplicate',
    'decline by its rider': 'rejected: the delivery was withdrawn because its order was cancelled',
    'decline by another rider': 'rejected: the delivery was withdrawn because its order was cancelled',
  },
};

const stateOf = (status: DeliveryStatus): DeliveryState => ({ status, riderId: status === 'PICKED_UP' || status === 'COMPLETED' ? 'rider-1' : '' });

function outcome(state: DeliveryState, input: DeliveryInput): Expect {
  try {
    const d = decide(state, input);
    return d.outcome === 'applied' ? `→${d.next.status}` : 'duplicate';
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'PERMISSION_DENIED') return `denied: ${err.message}`;
    if (!(err instanceof DomainError) || err.kind !== 'FAILED_PRECONDITION') throw err;
    return `rejected: ${err.message}`;
  }
}

describe('delivery state machine', () => {
  const cases = DELIVERY_STATUSES.flatMap((s) => (Object.keys(INPUTS) as InputName[]).map((name) => [s, name, TABLE[s][name]] as const));

  it.each(cases)('in %s, %s → %s', (status, name, expected) => {
    expect(outcome(stateOf(status), INPUTS[name])).toBe(expected);
  });

  it('gives the delivery to the rider who picks it up, and says so', () => {
    expect(decide(stateOf('AVAILABLE'), INPUTS['pickUp by another rider'])).toEqual({
      outcome: 'applied',
      next: { status: 'PICKED_UP', riderId: 'rider-2' },
      event: { type: 'DeliveryPickedUp', riderId: 'rider-2' },
    });
  });

  it('completes with the rider who has the food', () => {
    expect(decide(stateOf('PICKED_UP'), { type: 'complete', riderId: '' })).toMatchObject({
      next: { status: 'COMPLETED', riderId: 'rider-1' },
      event: { riderId: 'rider-1' },
    });
  });

  it('withdraws an available delivery with the reason', () => {
    expect(decide(stateOf('AVAILABLE'), INPUTS.withdraw)).toEqual({
      outcome: 'applied',
      next: { status: 'WITHDRAWN', riderId: '' },
      event: { type: 'DeliveryWithdrawn', reason: 'order cancelled' },
    });
  });

  it('puts a delivery its rider gives back on offer again, and says who gave it back and why', () => {
    expect(decide(stateOf('PICKED_UP'), INPUTS['decline by its rider'])).toEqual({
      outcome: 'applied',
      next: { status: 'AVAILABLE', riderId: '' },
      event: { type: 'DeliveryDeclined', riderId: 'rider-1', reason: 'flat tyre' },
    });
  });

  it("lets only riders of the delivery's region take it", () => {
    const delivery = { deliveryId: 'd-1', region: 'seoul-gangnam' };
    expect(() => checkRiderRegion({ riderId: 'rider-1', region: 'seoul-gangnam' }, delivery)).not.toThrow();
    expect(() => checkRiderRegion({ riderId: 'rider-3', region: 'seoul-mapo' }, delivery)).toThrow(
      expect.objectContaining({
        kind: 'PERMISSION_DENIED',
        reason: 'OTHER_REGION',
        message: 'delivery d-1 is in seoul-gangnam; rider rider-3 rides in seoul-mapo',
      }),
    );
  });
});
