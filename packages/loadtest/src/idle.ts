#!/usr/bin/env node
/**
 * `npm run bench:idle [-- <seconds> [NAME=value …]]`: starts a fresh stack (PostgreSQL, Kafka, every
 * service; NAME=value goes into every service's environment), lets it sit with no traffic for
 * <seconds> (default 60) and prints each process's CPU in % of one core as JSON, with the load
 * average. What an idle pod costs is timers and polling: this is how to see them.
 */
import os from 'node:os';
import { attachOrStartStack } from '@foodmesh/local-infra';
import { idleCpu } from './proc-cpu';

async function main(argv: string[]): Promise<void> {
  const seconds = argv[0] && /^\d+$/.test(argv[0]) ? Number(argv.shift()) : 60;
  const env = Object.fromEntries(
    argv.map((a) => {
      const i = a.indexOf('=');
      if (i <= 0) throw new Error(`usage: npm run bench:idle -- [seconds] [NAME=value …]; not NAME=value: ${a}`);
      return [a.slice(0, i), a.slice(i + 1)];
    }),
  );
  const log = (line: string) => console.error(`[idle] ${line}`);
  const stack = await attachOrStartStack({ log, namespace: 'idle.', fresh: true, env });
  try {
    // Start-up work (topic creation, group joins, JIT) is over a few seconds after every service serves.
    await new Promise((r) => setTimeout(r, 5000));
    const before = os.loadavg()[0]!;
    const idle = await idleCpu(seconds * 1000);
    const loadAverage = [before, os.loadavg()[0]!].map((x) => Math.round(x * 100) / 100);
    // How long the services take to stop (SIGTERM to exit): a consumer's stop waits for its fetch in flight.
    const t0 = Date.now();
    await stack.running!.stop();
    console.log(JSON.stringify({ seconds, env, loadAverage, corePercent: idle, servicesStopMs: Date.now() - t0 }));
  } finally {
    await stack.stop();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
