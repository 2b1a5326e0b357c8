#!/usr/bin/env node
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startInfra, type Infra } from './index';
import { foodmeshDir, isAlive } from './util';

/** Where a running stack is advertised for other tools. */
export const stateFile = path.join(foodmeshDir, 'infra.json');

export interface InfraState {
  pid: number;
  databaseAdminUrl: string;
  kafkaBrokers: string[];
  startedAt: string;
}

const log = (line: string) => console.log(`[infra] ${line}`);

/** Persistent PostgreSQL + Kafka for this checkout, advertised in .foodmesh/infra.json; refuses to run twice. */
export async function startPersistentInfra(): Promise<Infra> {
  if (existsSync(stateFile)) {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as InfraState;
    if (state.pid !== process.pid && isAlive(state.pid)) {
      throw new Error(`infra already running for this checkout (pid ${state.pid}): PostgreSQL ${state.databaseAdminUrl}, ` +
        `Kafka ${state.kafkaBrokers.join(',')}; stop it first`);
    }
  }
  const infra = await startInfra({ persistent: true, log });
  mkdirSync(foodmeshDir, { recursive: true });
  const state: InfraState = { pid: process.pid, databaseAdminUrl: infra.databaseAdminUrl,
    kafkaBrokers: infra.kafkaBrokers, startedAt: new Date().toISOString() };
  writeFileSync(stateFile, JSON.stringify(state, null, 2) + '\n');
  return infra;
}

/** Resolves on the first SIGINT/SIGTERM (a second one exits at once). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => {}, 1 << 30);
    const handler = (sig: NodeJS.Signals) => {
      clearInterval(keepAlive);
      process.off('SIGINT', handler).off('SIGTERM', handler);
      process.once('SIGINT', () => process.exit(130)).once('SIGTERM', () => process.exit(143));
      resolve(sig);
    };
    process.on('SIGINT', handler).on('SIGTERM', handler);
  });
}

export async function stopInfra(infra: Infra): Promise<void> {
  log('stopping…');
  await infra.stop();
  rmSync(stateFile, { force: true });
  log('stopped');
}

/** `infra`: run PostgreSQL + Kafka until Ctrl-C. */
export async function runInfraCommand(): Promise<void> {
  const t0 = Date.now();
  const signalled = untilSignal(); // before starting: Ctrl-C during startup still stops both cleanly
  const infra = await startPersistentInfra();
  console.log(`PostgreSQL  ${infra.databaseAdminUrl}`);
  console.log(`Kafka       ${infra.kafkaBrokers.join(',')}`);
  console.log(`(ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; state in ${stateFile}; Kafka log ${infra.kafka.logFile ?? '-'}; Ctrl-C to stop)`);
  await signalled;
  await stopInfra(infra);
}

const commands: Record<string, () => Promise<void>> = {
  infra: runInfraCommand,
  start: runInfraCommand, // TODO(lead): also launch the services
};

if (require.main === module) {
  const name = process.argv[2] ?? '';
  const command = commands[name];
  if (!command) {
    console.error(`usage: cli.js <${Object.keys(commands).join('|')}>`);
    process.exit(2);
  }
  command().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`[infra] ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
