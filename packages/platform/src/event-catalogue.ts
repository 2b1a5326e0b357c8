import type { EventCase } from './events';

/** The services that publish events; each has one topic, `<producer>.events`. */
export type Producer = 'order' | 'payment' | 'store' | 'delivery';
/** What an event is about: an order (keyed by order id, shown in the order's view) or a store (its menu). */
export type Subject = 'order' | 'store';

/**
 * Every event of the envelope's oneof, with the service that publishes it and
 * what it is about. The compiler insists that a new event is listed here;
 * topics, consumers' subscriptions and the saga map all derive from it.
 */
export const EVENT_CATALOGUE = {
  orderPaymentDeferred: { producer: 'order', subject: 'order' },
  orderPlaced: { producer: 'order', subject: 'order' },
  orderPaymentFailed: { producer: 'order', subject: 'order' },
  orderCancellationRequested: { producer: 'order', subject: 'order' },
  orderCancelled: { producer: 'order', subject: 'order' },
  orderCompleted: { producer: 'order', subject: 'order' },
  orderRefunded: { producer: 'order', subject: 'order' },
  orderPaymentAvailable: { producer: 'order', subject: 'order' },
  paymentApproved: { producer: 'payment', subject: 'order' },
  paymentDeclined: { producer: 'payment', subject: 'order' },
  paymentRefunded: { producer: 'payment', subject: 'order' },
  menuPublished: { producer: 'store', subject: 'store' },
  orderAccepted: { producer: 'store', subject: 'order' },
  orderRejected: { producer: 'store', subject: 'order' },
  cookingStarted: { producer: 'store', subject: 'order' },
  cookingFinished: { producer: 'store', subject: 'order' },
  storeOrderCancelled: { producer: 'store', subject: 'order' },
  cancellationRejected: { producer: 'store', subject: 'order' },
  deliveryAvailable: { producer: 'delivery', subject: 'order' },
  deliveryPickedUp: { producer: 'delivery', subject: 'order' },
  deliveryCompleted: { producer: 'delivery', subject: 'order' },
  deliveryWithdrawn: { producer: 'delivery', subject: 'order' },
  deliveryDeclined: { producer: 'delivery', subject: 'order' },
} as const satisfies Record<EventCase, { producer: Producer; subject: Subject }>;

export const EVENT_CASES = Object.keys(EVENT_CATALOGUE) as EventCase[];
export const PRODUCERS: readonly Producer[] = [...new Set(Object.values(EVENT_CATALOGUE).map((e) => e.producer))];

/** One topic per producing service. */
export const topicOf = (producer: string) => `${producer}.events`;
export const producerOf = (c: EventCase): Producer => EVENT_CATALOGUE[c].producer;
/** The topic an event travels on. */
export const topicOfEvent = (c: EventCase): string => topicOf(producerOf(c));
/** The topics that carry `cases`, each once, in catalogue order. */
export const topicsCarrying = (cases: Iterable<string>): string[] => {
  const wanted = new Set(cases);
  return [...new Set(EVENT_CASES.filter((c) => wanted.has(c)).map(topicOfEvent))];
};
/** Every event about `subject`, e.g. all of an order's events for its view. */
export const eventsAbout = (subject: Subject): EventCase[] => EVENT_CASES.filter((c) => EVENT_CATALOGUE[c].subject === subject);
