import path from 'node:path';
import { runner } from 'node-pg-migrate';
import type { Logger } from './logger';

/** The platform's own tables (outbox, inbox, dead letters), migrated before each service's. */
export const PLATFORM_MIGRATIONS_DIR = path.resolve(__dirname, '../migrations');

/**
 * Applies pending SQL migrations with node-pg-migrate (which takes an advisory
 * lock, so replicas starting together migrate once). Platform migrations are
 * numbered 0001–0099; a service numbers its own from 0100.
 */
export async function migrate(opts: { databaseUrl: string; serviceDir?: string; logger?: Logger }): Promise<string[]> {
  const dirs = [PLATFORM_MIGRATIONS_DIR, ...(opts.serviceDir ? [opts.serviceDir] : [])];
  const applied = await runner({
    databaseUrl: opts.databaseUrl,
    dir: dirs,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    checkOrder: true,
    singleTransaction: true,
    log: () => undefined,
  });
  const names = applied.map((m) => m.name);
  if (names.length) opts.logger?.info({ migrations: names }, 'database migrated');
  return names;
}
