#!/usr/bin/env node
/**
 * `npm run loadtest -- <scenario> [--no-crew] [--target host:port]`: runs loadtest/scenarios/<scenario>.yaml
 * against the running `npm start` (or a stack it starts itself; always its own for replicas),
 * prints a short table and exits non-zero when a threshold or the books fail.
 */
import { loadScenario, listScenarios } from './scenario';
import { runScenario } from './run';
import { printSummary } from './run-report';

function usage(): never {
  console.error(`usage: npm run loadtest -- <scenario> [--no-crew] [--target host:port]\nscenarios: ${listScenarios().join(', ')}`);
  process.exit(2);
}

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? Boolean(args.splice(i, 1)) : false;
  };
  const option = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const [, value] = args.splice(i, 2);
    if (!value) usage();
    return value;
  };
  const noCrew = flag('--no-crew');
  const targetAddress = option('--target');
  if (args.length !== 1 || args[0]!.startsWith('-')) usage();
  const scenario = loadScenario(args[0]!);
  const log = (line: string) => console.log(`[loadtest] ${line}`);
  const summary = await runScenario({ scenario, log, crew: !noCrew, targetAddress });
  printSummary(summary);
  return summary.passed ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
