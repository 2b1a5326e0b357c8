import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EVENT_CASES, eventTypeOf, producerOf, type EventCase, type EventHandlers } from '@foodmesh/platform';
import { sagaEventHandlers } from '../../../services/delivery/src/adapters/kafka/saga-event-handlers';
import { notificationHandlers } from '../../../services/notification/src/adapters/kafka/notification-handlers';
import { sagaHandlers } from '../../../services/order/src/adapters/kafka/saga-handlers';
import { projectionHandlers } from '../../../services/orderview/src/adapters/kafka/projection-handlers';
import { refundHandlers } from '../../../services/payment/src/adapters/kafka/refund-handlers';
import { orderEventHandlers } from '../../../services/store/src/adapters/kafka/order-event-handlers';

/**
 * Who reacts to what, read from the handler registries the services consume
 * with (the registries are only built here, never run: their dependencies are
 * not needed to know their keys).
 */
const never = {} as never;
const REGISTRIES: Record<string, EventHandlers> = {
  order: sagaHandlers(never),
  payment: refundHandlers(never),
  store: orderEventHandlers,
  delivery: sagaEventHandlers,
  orderview: projectionHandlers(never),
  notification: notificationHandlers(never, never),
};
const CONSUMERS = Object.keys(REGISTRIES);
const typeName = (c: EventCase) => eventTypeOf(c).replace('foodmesh.events.v1.', '');

function sagaMap(): string {
  const reacts = (c: EventCase, s: string) => REGISTRIES[s]![c] !== undefined;
  const table = [
    `| event | producer | ${CONSUMERS.join(' | ')} |`,
    `|---|---|${CONSUMERS.map(() => ':-:').join('|')}|`,
    ...EVENT_CASES.map((c) => `| ${typeName(c)} | ${producerOf(c)} | ${CONSUMERS.map((s) => (reacts(c, s) ? '✓' : '')).join(' | ')} |`),
  ];
  // The diagram leaves out the two readers of everything (the view and notification): the saga is who acts.
  const actors = CONSUMERS.filter((s) => s !== 'orderview' && s !== 'notification');
  const edges = EVENT_CASES.flatMap((c) => actors.filter((s) => reacts(c, s)).map((s) => `  ${producerOf(c)} -- ${typeName(c)} --> ${s}`));
  return [...table, '', '```mermaid', 'flowchart LR', ...edges, '```'].join('\n');
}

const BEGIN = '<!-- saga-map:begin (generated; packages/testkit/test/saga-map.test.ts checks it) -->';
const END = '<!-- saga-map:end -->';

describe('docs/saga.md', () => {
  it('shows exactly who reacts to each event, as the handler registries say', () => {
    const doc = readFileSync(path.resolve(__dirname, '../../../docs/saga.md'), 'utf8');
    const documented = doc.slice(doc.indexOf(BEGIN) + BEGIN.length, doc.indexOf(END)).trim();
    const actual = sagaMap();
    const lines = (s: string) => new Set(s.split('\n'));
    const missing = [...lines(actual)].filter((l) => !lines(documented).has(l));
    const stale = [...lines(documented)].filter((l) => !lines(actual).has(l));
    // The difference first (what changed), then the whole block to paste between the markers.
    expect({ missingFromDoc: missing, notTrueAnyMore: stale }).toEqual({ missingFromDoc: [], notTrueAnyMore: [] });
    expect(documented).toBe(actual);
  });
});
