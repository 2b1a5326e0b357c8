import path from 'node:path';
import { runner } from 'node-pg-migrate';
import type { Logger } from './logger';

/** The platform's own tables (outbox, inbox, dead letters). */
export const PLATFORM_MIGRATIONS_DIR = path.resolve(__dirname, '../migrations');

/**
 * Applies pending SQL migrations with node-pg-migrate (it takes an advisory
 * lock, so replicas starting together migrate once). The platform's tables and
 * the service's are tracked in separate tables, so either can add a migration
 * later without tripping the other's order check. File names start with a
 * 13-digit timestamp, as `node-pg-migrate create` makes them.
 */
export async function migrate(opts: { databaseUrl: string; serviceDir?: string; logger?: Logger }): Promise<string[]> {
  const sets = [
    { dir: PLATFORM_MIGRATIONS_DIR, table: 'platform_migrations' },
    ...(opts.serviceDir ? [{ dir: opts.serviceDir, table: 'schema_migrations' }] : []),
  ];
  const names: string[] = [];
  for (const set of sets) {
    const applied = await runner({
      databaseUrl: opts.databaseUrl,
      dir: set.dir,
      direction: 'up',
      migrationsTable: set.table,
      checkOrder: true,
      singleTransaction: true,
      log: () => undefined,
    });
    names.push(...applied.map((m) => m.name));
  }
  if (names.length) opts.logger?.info({ migrations: names }, 'database migrated');
  return names;
}
