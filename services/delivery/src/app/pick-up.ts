import { notFound } from '@foodmesh/platform/errors';
import { checkRiderRegion, decide } from '../domain/delivery';
import { deliveryChanged } from './delivery-events';
import type { DeliveryRecord, InTransaction } from './ports';

/**
 * A rider picks a delivery up. The delivery's row lock and the conditional
 * write (only from AVAILABLE) make the first rider the only winner; the others
 * get FAILED_PRECONDITION from the state machine. A rider of another region gets
 * PERMISSION_DENIED. DeliveryPickedUp (the rider
 * app's and the customer's notification) commits with the change.
 */
export async function pickUp(inTx: InTransaction, input: { deliveryId: string; riderId: string }): Promise<DeliveryRecord> {
  return inTx(async (repo) => {
    const rider = await repo.findRider(input.riderId);
    if (!rider) throw notFound(`there is no rider "${input.riderId}"`);
    const delivery = await repo.lockDelivery(input.deliveryId);
    if (!delivery) throw notFound(`there is no delivery "${input.deliveryId}"`);
    checkRiderRegion(rider, delivery);

    const decision = decide(delivery, { type: 'pickUp', riderId: rider.riderId });
    if (decision.outcome === 'duplicate') return delivery;
    const saved = await repo.saveDelivery({ ...delivery, ...decision.next, version: delivery.version + 1 }, delivery.status);
    await repo.publish([deliveryChanged(saved, decision.event, { riderName: rider.name })]);
    return saved;
  });
}
