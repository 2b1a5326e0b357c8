import path from 'node:path';
import { runner } from 'node-pg-migrate';
import { Client } from 'pg';
import { enumNames, migrate, ORDER_STATUS_NAMES } from '@foodmesh/platform';
import { NotificationChannel, NotificationDeliveryStatus, RecipientKind } from '@foodmesh/proto-gen/foodmesh/notification/v1/notification';
import { DELIVERY_STATUSES } from '../../../services/delivery/src/domain/delivery';
import type { PaymentStatusName } from '../../../services/payment/src/app/ports';
import { STORE_ORDER_STATUSES } from '../../../services/store/src/domain/store-order';
import { freshDatabase } from '../src';

/**
 * Every service stores a status by its short name under a CHECK listing the names
 * (docs/architecture.md, "Statuses in the database"). The CHECK is written by hand in a
 * migration, so a status added to the code or the proto without a migration that widens it
 * fails here, not on the first row that has it.
 */
const PAYMENT_STATUSES: Record<PaymentStatusName, true> = { APPROVED: true, DECLINED: true, REFUNDED: true };

const COLUMNS: Record<string, Array<{ table: string; column: string; names: readonly string[] }>> = {
  order: [
    { table: 'orders', column: 'status', names: ORDER_STATUS_NAMES },
    { table: 'orders', column: 'resume_status', names: ORDER_STATUS_NAMES },
  ],
  payment: [{ table: 'payments', column: 'status', names: Object.keys(PAYMENT_STATUSES) }],
  store: [{ table: 'store_orders', column: 'status', names: STORE_ORDER_STATUSES }],
  delivery: [{ table: 'deliveries', column: 'status', names: DELIVERY_STATUSES }],
  orderview: [{ table: 'order_view', column: 'status', names: ORDER_STATUS_NAMES }],
  notification: [
    { table: 'notifications', column: 'recipient_kind', names: enumNames(RecipientKind, 'RECIPIENT_KIND_').names },
    { table: 'notifications', column: 'channel', names: enumNames(NotificationChannel, 'NOTIFICATION_CHANNEL_').names },
    { table: 'notifications', column: 'delivery_status', names: enumNames(NotificationDeliveryStatus, 'NOTIFICATION_DELIVERY_STATUS_').names },
  ],
};

/** The values the CHECK constraints on `table.column` allow, as PostgreSQL itself prints them. */
async function checkedValues(db: Client, table: string, column: string): Promise<string[]> {
  const { rows } = await db.query<{ def: string }>(
    `SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
      WHERE c.contype = 'c' AND c.conrelid = $1::regclass AND a.attname = $2`,
    [table, column],
  );
  return rows.flatMap((r) => [...r.def.matchAll(/'([^']*)'::text/g)].map((m) => m[1]!));
}

const migrationsOf = (service: string) => path.resolve(__dirname, `../../../services/${service}/migrations`);

async function withDatabase(name: string, fn: (db: Client, databaseUrl: string) => Promise<void>): Promise<void> {
  const databaseUrl = await freshDatabase(name);
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await fn(db, databaseUrl);
  } finally {
    await db.end();
  }
}

/** Applies the service's first `count` migrations only: the schema a database populated before the rest had. */
const migrateFirst = (databaseUrl: string, service: string, count: number) =>
  runner({
    databaseUrl,
    dir: migrationsOf(service),
    direction: 'up',
    count,
    migrationsTable: 'schema_migrations',
    checkOrder: true,
    singleTransaction: true,
    log: () => undefined,
  });

describe('statuses in the database', () => {
  it.each(Object.keys(COLUMNS))("%s's CHECKs list exactly the statuses its code has", async (service) => {
    await withDatabase(`statuses_${service}`, async (db, databaseUrl) => {
      await migrate({ databaseUrl, serviceDir: migrationsOf(service) });
      for (const { table, column, names } of COLUMNS[service]!) {
        expect({ column: `${table}.${column}`, allows: (await checkedValues(db, table, column)).sort() }).toEqual({
          column: `${table}.${column}`,
          allows: [...names].sort(),
        });
      }
    });
  });

  it('renames the numbers a populated order view held', async () => {
    await withDatabase('statuses_populated_view', async (db, databaseUrl) => {
      await migrateFirst(databaseUrl, 'orderview', 2);
      await db.query(`INSERT INTO order_view (order_id, status) VALUES ('none', 0), ('paid', 2), ('cancel-requested', 9), ('payment-failed', 11)`);
      await migrate({ databaseUrl, serviceDir: migrationsOf('orderview') });
      const { rows } = await db.query('SELECT order_id, status FROM order_view ORDER BY order_id');
      expect(rows).toEqual([
        { order_id: 'cancel-requested', status: 'CANCEL_REQUESTED' },
        { order_id: 'none', status: null },
        { order_id: 'paid', status: 'PAID' },
        { order_id: 'payment-failed', status: 'PAYMENT_FAILED' },
      ]);
    });
  });

  it('renames the numbers populated notifications held', async () => {
    await withDatabase('statuses_populated_notifications', async (db, databaseUrl) => {
      await migrateFirst(databaseUrl, 'notification', 1);
      await db.query(
        `INSERT INTO notifications (notification_id, recipient_id, recipient_kind, channel, locale, title, body, order_id, event_id, event_type, delivery_status)
         VALUES (gen_random_uuid(), 'customer-1', 1, 1, 'ko', 't', 'b', 'o1', gen_random_uuid(), 'e', 2),
                (gen_random_uuid(), 'owner-1', 2, 2, 'en', 't', 'b', 'o1', gen_random_uuid(), 'e', 1),
                (gen_random_uuid(), 'rider-1', 3, 2, 'en', 't', 'b', 'o1', gen_random_uuid(), 'e', 3)`,
      );
      await migrate({ databaseUrl, serviceDir: migrationsOf('notification') });
      const { rows } = await db.query('SELECT recipient_id, recipient_kind, channel, delivery_status FROM notifications ORDER BY recipient_id');
      expect(rows).toEqual([
        { recipient_id: 'customer-1', recipient_kind: 'CUSTOMER', channel: 'IN_APP', delivery_status: 'DELIVERED' },
        { recipient_id: 'owner-1', recipient_kind: 'OWNER', channel: 'KAKAO_WEBHOOK', delivery_status: 'PENDING' },
        { recipient_id: 'rider-1', recipient_kind: 'RIDER', channel: 'KAKAO_WEBHOOK', delivery_status: 'FAILED' },
      ]);
    });
  });

  it('refuses, rather than loses, a number the proto never declared', async () => {
    await withDatabase('statuses_unknown_number', async (db, databaseUrl) => {
      await migrateFirst(databaseUrl, 'orderview', 2);
      await db.query(`INSERT INTO order_view (order_id, status) VALUES ('odd', 42)`);
      await expect(migrate({ databaseUrl, serviceDir: migrationsOf('orderview') })).rejects.toThrow(/order_view_status_known/);
      expect((await db.query('SELECT status FROM order_view')).rows).toEqual([{ status: 42 }]);
    });
  });
});
