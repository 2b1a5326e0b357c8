import { newEnvelope } from '@foodmesh/platform';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { krw } from '../domain/money';
import type { PaymentRecord } from './ports';

/** Payment events: keyed by the order, aggregated on the payment. */
const envelope = (p: PaymentRecord, payload: NonNullable<EventEnvelope['payload']>, cause?: { correlationId: string; causationId: string }) =>
  newEnvelope({ orderId: p.orderId, aggregateId: p.paymentId, aggregateVersion: p.version, payload, ...cause });

const common = (p: PaymentRecord) => ({ paymentId: p.paymentId, orderId: p.orderId, customerId: p.customerId, amount: krw(p.amountUnits), method: p.method });

/** PaymentApproved or PaymentDeclined, for a charge just recorded. */
export const paymentRecorded = (p: PaymentRecord): EventEnvelope =>
  p.status === 'APPROVED'
    ? envelope(p, { $case: 'paymentApproved', value: common(p) })
    : envelope(p, { $case: 'paymentDeclined', value: { ...common(p), reason: p.declineReason } });

/** PaymentRefunded, caused by the event that asked for the refund. */
export const paymentRefunded = (p: PaymentRecord, cause: EventEnvelope): EventEnvelope =>
  envelope(
    p,
    {
      $case: 'paymentRefunded',
      value: { paymentId: p.paymentId, orderId: p.orderId, customerId: p.customerId, amount: krw(p.amountUnits), reason: p.refundReason },
    },
    { correlationId: cause.correlationId, causationId: cause.eventId },
  );
