import pg from 'pg';
import { eventually, freshDatabase, testLogger } from '@foodmesh/testkit';
import { changeFlag, startNotifyHub, type NotifyHub } from '../src';

describe('notify hub: one LISTEN connection fanned out to in-process subscribers', () => {
  let url: string;
  let hub: NotifyHub;
  let db: pg.Pool;
  beforeAll(async () => {
    url = await freshDatabase('notify_hub');
    db = new pg.Pool({ connectionString: url, max: 2 });
    hub = await startNotifyHub({
      connectionString: url,
      channels: ['things_changed'],
      logger: testLogger('hub'),
      applicationName: 'hub-under-test',
      reconnectMs: 50,
    });
  });
  afterAll(async () => {
    await hub?.close();
    await db?.end();
  });

  it('delivers a committed NOTIFY to the subscribers of its key and of every key, not others', async () => {
    const got: string[] = [];
    const offA = hub.subscribe('things_changed', (p) => got.push(`a:${p}`), 'a');
    const offB = hub.subscribe('things_changed', (p) => got.push(`b:${p}`), 'b');
    const offAll = hub.subscribe('things_changed', (p) => got.push(`all:${p}`));
    await db.query("SELECT pg_notify('things_changed', 'a')");
    await eventually(() => expect(got.sort()).toEqual(['a:a', 'all:a']));
    offA();
    offB();
    offAll();
    expect(hub.size()).toBe(0);
  });

  it('reconnects after losing its connection and tells every subscriber to read again', async () => {
    const got: (string | undefined)[] = [];
    const off = hub.subscribe('things_changed', (p) => got.push(p), 'k');
    await db.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hub-under-test'");
    await eventually(() => expect(got).toContain(undefined));
    await db.query("SELECT pg_notify('things_changed', 'k')");
    await eventually(() => expect(got).toContain('k'));
    off();
  });

  it('wakes a waiting stream on a change and lets it go when the caller aborts', async () => {
    const abort = new AbortController();
    const flag = changeFlag(abort.signal);
    flag.raise();
    await expect(flag.next()).resolves.toBe(true); // a change before the wait is not lost
    const waiting = flag.next();
    abort.abort();
    await expect(waiting).resolves.toBe(false);
    flag.dispose();
  });
});
