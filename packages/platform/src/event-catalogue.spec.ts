import { EVENT_CASES, eventsAbout, PRODUCERS, topicOfEvent, topicsCarrying } from './event-catalogue';
import { eventTypeOf } from './events';

describe('the event catalogue', () => {
  it('routes each event to its producer topic', () => {
    expect(topicOfEvent('orderPlaced')).toBe('order.events');
    expect(topicOfEvent('paymentRefunded')).toBe('payment.events');
    expect(topicOfEvent('menuPublished')).toBe('store.events');
    expect(topicOfEvent('deliveryPickedUp')).toBe('delivery.events');
    expect(PRODUCERS).toEqual(['order', 'payment', 'store', 'delivery']);
  });

  it('derives the topics a set of handlers needs, each once, ignoring what is not an event', () => {
    expect(topicsCarrying(['cookingStarted', 'orderCancelled', 'orderAccepted', 'notAnEvent'])).toEqual(['order.events', 'store.events']);
    expect(topicsCarrying([])).toEqual([]);
  });

  it("names every event about an order, and leaves the store's menu out", () => {
    const aboutOrders = eventsAbout('order');
    expect(aboutOrders).not.toContain('menuPublished');
    expect(aboutOrders).toHaveLength(EVENT_CASES.length - 1);
    expect(EVENT_CASES.map(eventTypeOf)).toContain('foodmesh.events.v1.DeliveryWithdrawn');
  });
});
