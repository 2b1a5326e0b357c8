import { notFound } from '@foodmesh/platform/errors';
import { decide } from '../domain/delivery';
import { deliveryChanged } from './delivery-events';
import type { DeliveryRecord, InTransaction } from './ports';

/**
 * A rider gives a picked-up delivery back: it is AVAILABLE again to the riders
 * of its region, and DeliveryDeclined commits with the change (the order goes
 * back to ready-for-pickup; the customer, the store and the region's riders
 * are told). Only its rider may; a completed or withdrawn one cannot be.
 */
export async function declineDelivery(inTx: InTransaction, input: { deliveryId: string; riderId: string; reason: string }): Promise<DeliveryRecord> {
  return inTx(async (repo) => {
    const delivery = await repo.lockDelivery(input.deliveryId);
    if (!delivery) throw notFound(`there is no delivery "${input.deliveryId}"`);
    const decision = decide(delivery, { type: 'decline', riderId: input.riderId, reason: input.reason });
    if (decision.outcome === 'duplicate') return delivery;
    const saved = await repo.saveDelivery({ ...delivery, ...decision.next, version: delivery.version + 1 }, delivery.status);
    await repo.publish([deliveryChanged(saved, decision.event, {})]);
    return saved;
  });
}
