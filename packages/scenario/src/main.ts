#!/usr/bin/env node
/**
 * `npm run scenario`: walks the ten steps of a delivery plus the store-rejects,
 * cancel-before-cooking, cancel-after-cooking and pay-later paths against a
 * live stack — the running `npm start`, or one it starts itself — printing each
 * step with the order's status from the CQRS view and the notifications sent.
 * Ends with `N passed, M failed`; exits non-zero on any failure.
 */
import { connectClients } from './clients';
import { Flows } from './flows';
import { checkRecordingRules } from './metrics-report';
import { Report } from './report';
import { connectToStack } from './stack';

async function main(): Promise<number> {
  const t0 = Date.now();
  const stack = await connectToStack((line) => console.log(`[stack] ${line}`));
  const clients = connectClients(stack.addresses, stack.identity);
  const report = new Report();
  console.log(`foodmesh scenario against ${stack.origin}`);
  try {
    const flows = new Flows(clients, report);
    await flows.tenSteps();
    await flows.storeRejects();
    await flows.cancelBeforeCooking();
    await flows.cancelAfterCooking();
    await flows.payLater();
    if (stack.prometheusUrl) await checkRecordingRules(report, stack.prometheusUrl);
    else console.log('\n(metrics: start the stack with `npm start -- --observe` to check the recording rules too)');
  } finally {
    clients.close();
    await stack.stop();
  }
  console.log(`\n(${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  console.log(report.summary());
  return report.failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : err);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
