import { v7 as uuidv7 } from 'uuid';
import { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { producerOf, topicOf } from './event-catalogue';
import type { OutgoingMessage } from './kafka';
import { injectTraceContext } from './telemetry';

/** The oneof payload of an envelope: `{ $case: 'orderPlaced', value: OrderPlaced }`. */
export type EventPayload = NonNullable<EventEnvelope['payload']>;
export type EventCase = EventPayload['$case'];
export type PayloadOf<C extends EventCase> = Extract<EventPayload, { $case: C }>['value'];

const PACKAGE = 'foodmesh.events.v1';

/** `orderPlaced` → `foodmesh.events.v1.OrderPlaced`. */
export function eventTypeOf(c: string): string {
  return `${PACKAGE}.${c.charAt(0).toUpperCase()}${c.slice(1)}`;
}

export interface NewEvent {
  payload: EventPayload;
  /** Defaults to the event's producer in the catalogue; only platform tests publish as another. */
  producer?: string;
  orderId: string;
  /** Defaults to orderId; set it for events not about an order (e.g. a store's menu). */
  aggregateId?: string;
  aggregateVersion?: number;
  correlationId?: string;
  causationId?: string;
  occurredAt?: Date;
}

/** What caused a change: the event a consumer reacted to (causation) and the saga it belongs to (correlation); none for a command. */
export type Cause = Pick<NewEvent, 'correlationId' | 'causationId'>;
/** The cause of what a consumer does in reaction to `env`. */
export const causedBy = (env: EventEnvelope): Cause => ({ correlationId: env.correlationId, causationId: env.eventId });

/** Builds an envelope: UUIDv7 id, type name, its producer (hence topic) from the catalogue, the active trace context. */
export function newEnvelope(e: NewEvent): EventEnvelope {
  const eventId = uuidv7();
  const producer = e.producer ?? producerOf(e.payload.$case);
  const aggregateId = e.aggregateId ?? e.orderId;
  return EventEnvelope.fromPartial({
    eventId,
    type: eventTypeOf(e.payload.$case),
    orderId: e.orderId,
    aggregateId,
    aggregateVersion: e.aggregateVersion ?? 0,
    producer,
    occurredAt: e.occurredAt ?? new Date(),
    correlationId: e.correlationId || aggregateId,
    causationId: e.causationId ?? '',
    traceContext: injectTraceContext(),
    payload: e.payload,
  });
}

/** The Kafka message for an envelope: key = order id (or aggregate id), protobuf bytes, routing headers. */
export function toMessage(env: EventEnvelope): OutgoingMessage {
  return {
    topic: topicOf(env.producer),
    key: env.orderId || env.aggregateId,
    value: Buffer.from(EventEnvelope.encode(env).finish()),
    headers: { 'event-id': env.eventId, 'event-type': env.type, ...env.traceContext },
  };
}

export function decodeEnvelope(bytes: Uint8Array): EventEnvelope {
  return EventEnvelope.decode(bytes);
}
