import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { status } from '@grpc/grpc-js';
import { startObservability, type Observability, type RunningStack } from '@foodmesh/local-infra';
import { CustomerServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/customer';
import { PaymentOutcome } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { PaymentAdminServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment_admin';
import { placeRequest } from './edge-fixture';
import { eventually, startTestStack, testClient, testIdentity } from '@foodmesh/testkit';

/** Debian's chromium (apt-get install chromium); never a downloaded browser build. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.resolve(__dirname, '../../../test-results/screenshots');
/** `npm run docs:screenshots` also writes the pictures the docs show (docs/img). */
const DOC_SHOTS = process.env.FOODMESH_DOC_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../../docs/img') : undefined;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1200, height: 860 };
const TABLET = { width: 820, height: 1000 };
const WAIT = 20_000; // every wait is bounded: the saga takes well under a second per step here

/**
 * The web app in headless Chromium against the whole stack as `npm start` runs
 * it (the edge serves the built app and speaks gRPC-web to it): a customer
 * orders, an owner accepts and cooks, a rider picks up, the customer confirms —
 * each in their own browser context — then a cancel and a pay-later path.
 */
describe('web app in a browser', () => {
  let observability: Observability;
  let stack: RunningStack;
  let browser: Browser;
  let baseUrl: string;
  const contexts: BrowserContext[] = [];
  let shot = 0;

  const screenshot = async (page: Page, name: string, doc?: string) => {
    shot += 1;
    await page.screenshot({ path: path.join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
    if (doc && DOC_SHOTS) await page.screenshot({ path: path.join(DOC_SHOTS, doc) });
  };

  const open = async (viewport: { width: number; height: number }) => {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'Asia/Seoul' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (err) => process.stderr.write(`[browser] page error: ${err.message}\n`));
    await page.goto(baseUrl);
    return page;
  };

  const signIn = async (page: Page, userId: string) => {
    await page.getByTestId(`sign-in-${userId}`).click();
    await page.getByTestId('user-chip').waitFor();
  };

  /** From the store list to the order screen: returns the order's short id as the owner sees it (#xxxxxx). */
  const orderFood = async (page: Page, items: Array<[string, number]>, shots?: string) => {
    await page.getByTestId('store-card').filter({ hasText: 'Gangnam Fried Chicken' }).click();
    await page.getByTestId('menu-item').first().waitFor();
    for (const [name, qty] of items) {
      await page.getByRole('button', { name: `Add ${name}` }).click();
      for (let i = 1; i < qty; i++) await page.getByRole('button', { name: `One more ${name}` }).click();
    }
    if (shots) await screenshot(page, `${shots}-menu`);
    await page.getByTestId('view-cart').click();
    await page.getByTestId('screen-cart').waitFor();
    if (shots) await screenshot(page, `${shots}-cart`);
    await page.getByRole('button', { name: /^Place order/ }).click();
    await page.getByTestId('screen-order').waitFor();
    const ref = await page.getByText(/^Order [0-9a-f]{8}$/).textContent();
    return `#${ref!.slice(-6)}`;
  };

  const statusIs = (page: Page, label: string) => page.getByTestId('order-status').filter({ hasText: label }).waitFor();

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    if (DOC_SHOTS) mkdirSync(DOC_SHOTS, { recursive: true });
    // As `npm start -- --observe` runs it (the first run on a machine builds Prometheus: minutes).
    observability = await startObservability({ log: (l) => process.stderr.write(`[observe] ${l}\n`) });
    const started = await startTestStack('web', { observability });
    stack = started.stack;
    const edge = stack.services.find((s) => s.name === 'edge')!;
    baseUrl = `http://127.0.0.1:${edge.httpPort}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Playwright starts every launch with a fresh, empty --user-data-dir of its own.
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-quic',
        '--no-first-run',
        '--disable-sync',
      ],
      timeout: 30_000,
    });
  }, 15 * 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await stack?.stop();
    await observability?.stop();
  });

  it('customer orders, owner accepts and cooks, rider picks up, customer confirms — live, in three browsers', async () => {
    const owner = await open(TABLET);
    await screenshot(owner, 'sign-in');
    await signIn(owner, 'owner-1');
    await owner.getByText('No new orders right now').waitFor();
    const rider = await open(PHONE);
    await signIn(rider, 'rider-1');
    await rider.getByTestId('screen-rider').waitFor();

    const customer = await open(PHONE);
    await signIn(customer, 'customer-1');
    await customer.getByTestId('store-card').first().waitFor();
    await screenshot(customer, 'customer-stores');
    const ref = await orderFood(
      customer,
      [
        ['Fried Chicken', 2],
        ['Cola', 1],
      ],
      'customer',
    );
    await statusIs(customer, 'Paid — waiting for the store');
    await customer.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor();
    await screenshot(customer, 'customer-order-paid');

    // The owner's board was open all along: the order arrives through the notification stream.
    const card = owner.getByTestId('store-order').filter({ hasText: ref });
    await card.filter({ hasText: 'New' }).waitFor();
    await owner.getByTestId('toast').first().waitFor();
    await screenshot(owner, 'owner-new-order');
    await card.getByRole('button', { name: 'Accept' }).click();
    await statusIs(customer, 'Accepted by the store');
    await card.getByRole('button', { name: 'Start cooking' }).click();
    await statusIs(customer, 'Cooking');
    await screenshot(customer, 'customer-order-cooking');
    await customer.getByRole('button', { name: 'Cancel order' }).waitFor({ state: 'detached' });
    await card.getByRole('button', { name: 'Finish cooking' }).click();
    await card.filter({ hasText: 'Ready for pickup' }).waitFor();
    await screenshot(owner, 'owner-cooked');
    await statusIs(customer, 'Ready for pickup');

    // The rider's list refreshes when the region's riders are notified of the delivery.
    const delivery = rider.getByTestId('available-delivery').filter({ hasText: ref });
    await delivery.waitFor();
    await screenshot(rider, 'rider-available');
    await delivery.getByRole('button', { name: 'Pick up' }).click();
    await rider.getByTestId('my-delivery').filter({ hasText: ref }).filter({ hasText: 'On the way' }).waitFor();
    await screenshot(rider, 'rider-picked-up');

    await statusIs(customer, 'On the way');
    await customer.getByText('Rider Kim Minjun').waitFor();
    await screenshot(customer, 'customer-on-the-way');
    await customer.getByRole('button', { name: /I got my food/ }).click();
    await statusIs(customer, 'Delivered');
    await customer.getByTestId('live-state').filter({ hasText: 'Final' }).waitFor();
    const timeline = await customer.getByTestId('timeline').locator('li').allTextContents();
    expect(timeline.length).toBeGreaterThanOrEqual(6);
    await screenshot(customer, 'customer-delivered');

    await customer.getByTestId('bell').click();
    await customer.getByRole('dialog', { name: 'Notifications' }).waitFor();
    await screenshot(customer, 'customer-notifications');
    await customer.getByRole('dialog', { name: 'Notifications' }).getByRole('button', { name: 'Close' }).click();
    await customer.getByRole('button', { name: '🧾 My orders' }).click();
    await customer.getByTestId('screen-orders').getByText('Delivered').first().waitFor();
    await screenshot(customer, 'customer-my-orders');
  }, 120_000);

  it('lets a customer cancel before cooking starts', async () => {
    const customer = await open(PHONE);
    await signIn(customer, 'customer-2');
    await customer.getByTestId('store-card').first().waitFor();
    await orderFood(customer, [['Yangnyeom Chicken', 1]]);
    await statusIs(customer, 'Paid — waiting for the store');
    await customer.getByRole('button', { name: 'Cancel order' }).click();
    await customer.getByRole('button', { name: 'Yes, cancel' }).click();
    await statusIs(customer, 'Cancelled');
    await customer
      .getByTestId('timeline')
      .getByText(/refund/i)
      .first()
      .waitFor();
    // The money side, from the payment service: what was charged and when it was given back.
    const refund = customer.getByTestId('payments').getByTestId('refund');
    await refund.getByText('Refunded ₩21,000').waitFor();
    expect(await refund.textContent()).toMatch(/^Paid ₩21,000 on .+ · Refunded ₩21,000 on .+ \(order cancelled: .+\)$/);
    await screenshot(customer, 'customer-cancelled');
  }, 60_000);

  it('keeps the order when payment is busy and takes the payment with "Pay now"', async () => {
    const payment = stack.services.find((s) => s.name === 'payment')!;
    const admin = testClient(PaymentAdminServiceService, payment.address, stack.identity.workload('ops'));
    const customer = await open(PHONE);
    try {
      await signIn(customer, 'customer-1');
      await customer.getByTestId('store-card').first().waitFor();
      await admin.setFaults({ faults: { latencyMs: 0, errorRate: 1, errorCode: status.UNAVAILABLE, maxConcurrent: 0, declineRate: 0 } });
      await orderFood(customer, [['Fried Chicken', 1]]);
      const payLater = customer.getByTestId('pay-later');
      await payLater.getByText(/busy/i).waitFor();
      await statusIs(customer, 'Waiting for payment');
      await screenshot(customer, 'customer-pay-later');
    } finally {
      await admin.setFaults({ faults: { latencyMs: 0, errorRate: 0, errorCode: 0, maxConcurrent: 0, declineRate: 0 } });
      admin.close();
    }
    // Like a person: tap "Pay now" until it goes through (the order service's breaker may need a moment).
    const deadline = Date.now() + 30_000;
    for (;;) {
      await customer.getByRole('button', { name: 'Pay now' }).click();
      const paid = await customer
        .getByTestId('order-status')
        .filter({ hasText: 'Paid — waiting for the store' })
        .waitFor({ timeout: 3_000 })
        .then(
          () => true,
          () => false,
        );
      if (paid) break;
      if (Date.now() > deadline) throw new Error('"Pay now" never got the order paid');
    }
    await customer.getByText('Payment received').waitFor();
    await screenshot(customer, 'customer-paid-later');
  }, 90_000);

  it("shows an operator the platform live: the breaker to payment opening when every Pay fails, and an order's saga with its traces", async () => {
    const edge = stack.services.find((s) => s.name === 'edge')!;
    const payment = stack.services.find((s) => s.name === 'payment')!;
    const customer = testClient(CustomerServiceService, edge.address);
    const asCustomer = testIdentity.asUser({ userId: 'customer-ops', role: 'customer' });
    const admin = testClient(PaymentAdminServiceService, payment.address, stack.identity.workload('ops'));
    const ops = await open(DESKTOP);
    const paid = await customer.placeOrder(placeRequest(), asCustomer);
    expect(paid.paymentOutcome).toBe(PaymentOutcome.PAYMENT_OUTCOME_PAID);
    const traceLink = ops.getByTestId('saga-timeline').getByTestId('trace-link').first();
    try {
      await signIn(ops, 'ops-1');
      await ops.getByTestId('screen-ops').waitFor();
      // Every service of the stack, scraped by Prometheus, every replica up.
      const healthy = ops.locator('[data-testid="service-row"][data-healthy="true"]');
      await eventually(async () => expect(await healthy.count()).toBe(stack.services.length), { timeoutMs: WAIT, intervalMs: 500 });
      const breaker = (state: string) => ops.locator(`[data-breaker="order/payment"][data-state="${state}"]`);
      await breaker('closed').waitFor();

      // Payment fails every call: order's breaker opens after its consecutive failures, and orders are kept to pay later.
      await admin.setFaults({ faults: { latencyMs: 0, errorRate: 1, errorCode: status.UNAVAILABLE, maxConcurrent: 0, declineRate: 0 } });
      for (let i = 0; i < 4 && !(await breaker('open').count()); i++) {
        const deferred = await customer.placeOrder(placeRequest(), asCustomer);
        expect(deferred.paymentOutcome).toBe(PaymentOutcome.PAYMENT_OUTCOME_DEFERRED);
      }
      await breaker('open').waitFor();
      await ops.locator('[data-testid="method-row"][data-method="/foodmesh.payment.v1.PaymentService/Pay"]').waitFor();

      // The paid order's saga, each step linked to the trace it was created in.
      await ops.getByTestId('saga-order-id').fill(paid.order!.orderId);
      await eventually(
        async () => {
          await ops.getByRole('button', { name: 'Show saga' }).click();
          await ops.getByTestId('saga-timeline').getByText('OrderPlaced').waitFor({ timeout: 2000 });
        },
        { timeoutMs: WAIT },
      );
      expect(await traceLink.getAttribute('href')).toMatch(new RegExp(`^${observability.zipkinUrl}/zipkin/traces/[0-9a-f]{32}$`));
      await screenshot(ops, 'ops-breaker-open-and-saga', 'operations-page.png');
    } finally {
      await admin.setFaults({ faults: { latencyMs: 0, errorRate: 0, errorCode: 0, maxConcurrent: 0, declineRate: 0 } });
      admin.close();
      customer.close();
    }

    // The link opens the order's trace in Zipkin: the edge, order, payment and the consumers of its events.
    const [zipkin] = await Promise.all([ops.context().waitForEvent('page'), traceLink.click()]);
    await zipkin.setViewportSize(DESKTOP);
    // Zipkin shows the spans it had when the page loaded: reload until the consumers' have arrived too.
    await eventually(
      async () => {
        await zipkin.getByText('order: foodmesh.order.v1.orderservice/placeorder').waitFor({ timeout: 5000 });
        await zipkin
          .getByText('store: process order.events')
          .waitFor({ timeout: 2000 })
          .catch(async (err: unknown) => {
            await zipkin.reload();
            throw err;
          });
      },
      { timeoutMs: 30_000 },
    );
    await screenshot(zipkin, 'trace-in-zipkin', 'trace-ui.png');
  }, 120_000);
});
