/** What the books check reads from the services' databases (read-only; see books-reader.ts). */
export interface BooksInput {
  /** order service: orders (status as the order service stores it, e.g. PAID). */
  orders: Array<{ orderId: string; status: string; totalUnits: number }>;
  /** orderview: its row per order (status as stored, e.g. PAID; null while no event gave it one). */
  views: Array<{ orderId: string; status: string | null }>;
  /** payment service: every payment row. */
  payments: Array<{ paymentId: string; orderId: string; status: 'APPROVED' | 'DECLINED' | 'REFUNDED'; amountUnits: number }>;
  /** Outbox rows not yet published, per service with an outbox. */
  unpublished: Record<string, number>;
  deadLetters: Array<{ service: string; consumer: string; topic: string; partition: number; offset: string; error: string }>;
}

export interface BooksResult {
  balanced: boolean;
  /** One line per kind of problem (with up to 5 examples each). */
  problems: string[];
  figures: {
    orders: number;
    byStatus: Record<string, number>;
    chargedUnits: number;
    refundedUnits: number;
    /** Sum of the totals of the orders that are paid and not cancelled or rejected. */
    expectedNetUnits: number;
    deadLetters: number;
    unpublished: number;
  };
}

/** Order statuses in which the customer's money stays charged. */
export const CHARGED_STATUSES = new Set(['PAID', 'ACCEPTED', 'COOKING', 'COOKED', 'PICKED_UP', 'COMPLETED', 'CANCEL_REQUESTED']);

/**
 * The books of a drained run: every order in exactly one state, the same in the order service and
 * the view; charges − refunds = the totals of paid orders that were not cancelled or rejected, and
 * each such order charged exactly its total once; no order charged twice; no charge for an order
 * the order service does not know; every outbox drained; no dead letters (each one listed).
 */
export function checkBooks(input: BooksInput): BooksResult {
  const problems: string[] = [];
  const report = (what: string, examples: string[]) => {
    if (examples.length)
      problems.push(`${examples.length} ${what}${examples.length > 5 ? ` (first 5: ${examples.slice(0, 5).join('; ')})` : `: ${examples.join('; ')}`}`);
  };

  const orders = new Map<string, { status: string; totalUnits: number }>();
  const duplicateOrders: string[] = [];
  for (const o of input.orders) {
    if (orders.has(o.orderId)) duplicateOrders.push(o.orderId);
    orders.set(o.orderId, o);
  }
  report('order(s) stored twice in the order service', duplicateOrders);

  const views = new Map<string, string | null>();
  const duplicateViews: string[] = [];
  for (const v of input.views) {
    if (views.has(v.orderId)) duplicateViews.push(v.orderId);
    views.set(v.orderId, v.status);
  }
  report('order(s) with two rows in the view', duplicateViews);
  const missing: string[] = [];
  const differ: string[] = [];
  for (const [id, o] of orders) {
    const v = views.get(id);
    if (v === undefined) missing.push(`${id} (${o.status})`);
    else if (v !== o.status) differ.push(`${id}: order ${o.status}, view ${v ?? 'without a status'}`);
  }
  report('order(s) missing from the view', missing);
  report('order(s) whose view shows another status', differ);
  report(
    'view row(s) of orders the order service does not have',
    [...views.keys()].filter((id) => !orders.has(id)),
  );

  const charges = new Map<string, Array<{ paymentId: string; status: string; amountUnits: number }>>();
  let chargedUnits = 0;
  let refundedUnits = 0;
  for (const p of input.payments) {
    if (p.status === 'DECLINED') continue;
    chargedUnits += p.amountUnits;
    if (p.status === 'REFUNDED') refundedUnits += p.amountUnits;
    charges.set(p.orderId, [...(charges.get(p.orderId) ?? []), p]);
  }
  const twice: string[] = [];
  const unknown: string[] = [];
  const wrong: string[] = [];
  const chargedUnpaid: string[] = [];
  let expectedNetUnits = 0;
  for (const [id, list] of charges) {
    if (list.length > 1) twice.push(`${id}: ${list.map((p) => `${p.paymentId} ${p.status}`).join(', ')}`);
    if (!orders.has(id)) unknown.push(`${id}: ${list.map((p) => p.paymentId).join(', ')}`);
  }
  for (const [id, o] of orders) {
    const approved = (charges.get(id) ?? []).filter((p) => p.status === 'APPROVED');
    const kept = approved.reduce((n, p) => n + p.amountUnits, 0);
    if (CHARGED_STATUSES.has(o.status)) {
      expectedNetUnits += o.totalUnits;
      if (approved.length !== 1 || kept !== o.totalUnits)
        wrong.push(`${id} ${o.status}: total ${o.totalUnits}, charged ${kept} in ${approved.length} payment(s)`);
    } else if (approved.length && o.status === 'AWAITING_PAYMENT') {
      chargedUnpaid.push(`${id}: ${kept}`);
    } else if (approved.length) {
      wrong.push(`${id} ${o.status}: ${kept} still charged`);
    }
  }
  report('order(s) charged twice', twice);
  report('charge(s) for orders the order service does not have', unknown);
  report('order(s) whose charge does not match their status and total', wrong);
  // A charge that went through after the order stopped waiting for it: the customer's next PayOrder
  // finds it (same key) and the order becomes PAID. Left so, the customer paid for nothing.
  report('order(s) charged but still AWAITING_PAYMENT (never paid again)', chargedUnpaid);
  const net = chargedUnits - refundedUnits;
  if (net !== expectedNetUnits) problems.push(`charges − refunds = ${net}, but the paid, not cancelled or rejected orders total ${expectedNetUnits}`);

  const unpublished = Object.values(input.unpublished).reduce((n, x) => n + x, 0);
  report(
    'service(s) with events left in the outbox',
    Object.entries(input.unpublished)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${s}: ${n}`),
  );
  report(
    'dead letter(s)',
    input.deadLetters.map((d) => `${d.service}/${d.consumer} ${d.topic}[${d.partition}]@${d.offset}: ${d.error}`),
  );

  const byStatus: Record<string, number> = {};
  for (const o of orders.values()) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
  return {
    balanced: problems.length === 0,
    problems,
    figures: { orders: orders.size, byStatus, chargedUnits, refundedUnits, expectedNetUnits, deadLetters: input.deadLetters.length, unpublished },
  };
}
