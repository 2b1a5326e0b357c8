import { freshDatabase } from '@foodmesh/testkit';
import { createPool, withTransaction, type Pool } from '../src';

describe('pg pool: statements with parameters are prepared once per connection', () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = createPool({ connectionString: await freshDatabase('pg_prepared'), max: 1 });
  });
  afterAll(async () => {
    await pool?.end();
  });

  const prepared = async (db: Pick<Pool, 'query'> = pool) =>
    (await db.query('SELECT statement FROM pg_prepared_statements ORDER BY statement')).rows.map((r) => r.statement as string);

  it('prepares a parameterised statement on first use and reuses it, in and out of transactions', async () => {
    const text = 'SELECT $1::int + 1 AS n';
    expect((await pool.query(text, [1])).rows).toEqual([{ n: 2 }]);
    expect(await withTransaction(pool, async (tx) => (await tx.query(text, [41])).rows)).toEqual([{ n: 42 }]);
    expect(await prepared()).toEqual([text]);
  });

  it('leaves a statement returning * unprepared: a column added by a migration must not break it', async () => {
    await pool.query('CREATE TABLE things (id int PRIMARY KEY)');
    await pool.query('INSERT INTO things VALUES ($1) RETURNING *', [1]);
    expect((await pool.query('SELECT * FROM things WHERE id = $1', [1])).rows).toEqual([{ id: 1 }]);
    await pool.query('ALTER TABLE things ADD COLUMN name text');
    expect((await pool.query('SELECT * FROM things WHERE id = $1', [1])).rows).toEqual([{ id: 1, name: null }]);
    expect((await pool.query('SELECT count(*)::int AS n FROM things WHERE id = $1', [1])).rows).toEqual([{ n: 1 }]);
    expect(await prepared()).toEqual(['SELECT $1::int + 1 AS n', 'SELECT count(*)::int AS n FROM things WHERE id = $1']);
  });

  it('leaves statements without parameters unprepared, and a failed statement does not poison the next', async () => {
    // One connection throughout (the pool drops a connection whose query failed).
    const client = await pool.connect();
    try {
      await client.query('SELECT 1');
      await expect(client.query('SELECT $1::int / 0 AS n', [1])).rejects.toThrow('division by zero');
      await expect(client.query('SELEC $1', [1])).rejects.toThrow('syntax error');
      expect((await client.query('SELECT $1::int / 1 AS n', [7])).rows).toEqual([{ n: 7 }]);
      await expect(client.query('SELEC $1', [1])).rejects.toThrow('syntax error');
      expect(await prepared(client)).toEqual([
        'SELECT $1::int + 1 AS n',
        'SELECT $1::int / 0 AS n',
        'SELECT $1::int / 1 AS n',
        'SELECT count(*)::int AS n FROM things WHERE id = $1',
      ]);
    } finally {
      client.release();
    }
  });
});
