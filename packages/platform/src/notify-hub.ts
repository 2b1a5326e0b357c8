import pg from 'pg';
import type { Logger } from './logger';

/**
 * One dedicated PostgreSQL connection that LISTENs on a few channels and fans
 * each NOTIFY out to in-process subscribers, so any number of streaming RPCs
 * share one connection instead of holding one each. Writers NOTIFY inside
 * their transaction, so a subscriber hears of a change only once it is
 * committed, on whichever replica made it.
 *
 * NOTIFYs sent while the connection is down are lost; after reconnecting the
 * hub calls every subscriber with `undefined` ("you may have missed
 * something: read again").
 */
export interface NotifyHub {
  /**
   * Calls `fn(payload)` for each NOTIFY on `channel` (only those whose payload
   * equals `key`, when given), and `fn(undefined)` after a reconnect.
   * Returns the unsubscribe function.
   */
  subscribe(channel: string, fn: (payload: string | undefined) => void, key?: string): () => void;
  /** Subscribers right now (for tests and metrics). */
  size(): number;
  close(): Promise<void>;
}

const CHANNEL_NAME = /^[a-z_][a-z0-9_]*$/;

export async function startNotifyHub(opts: {
  connectionString: string;
  channels: string[];
  logger: Logger;
  applicationName?: string;
  reconnectMs?: number;
}): Promise<NotifyHub> {
  for (const c of opts.channels) if (!CHANNEL_NAME.test(c)) throw new Error(`bad channel name "${c}"`);
  const log = opts.logger.child({ component: 'notify-hub' });
  // channel → key ('' = every payload) → subscribers
  const subs = new Map<string, Map<string, Set<(payload: string | undefined) => void>>>();
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const each = (fn: (f: (payload: string | undefined) => void) => void) => {
    for (const byKey of subs.values()) for (const set of byKey.values()) for (const f of [...set]) fn(f);
  };

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: opts.connectionString, application_name: opts.applicationName });
    c.on('notification', (n) => {
      const byKey = subs.get(n.channel);
      if (!byKey) return;
      for (const f of [...(byKey.get(n.payload ?? '') ?? [])]) f(n.payload);
      if (n.payload) for (const f of [...(byKey.get('') ?? [])]) f(n.payload);
    });
    const lost = (err?: Error) => {
      if (client !== c) return;
      client = undefined;
      c.removeAllListeners('error');
      c.on('error', () => undefined);
      void c.end().catch(() => undefined);
      if (closed) return;
      log.warn({ err }, 'lost the LISTEN connection; reconnecting');
      scheduleReconnect();
    };
    c.on('error', (err) => lost(err));
    c.on('end', () => lost());
    await c.connect();
    for (const ch of opts.channels) await c.query(`LISTEN ${ch}`);
    client = c;
  }

  function scheduleReconnect(): void {
    retry = setTimeout(() => {
      connect().then(
        () => {
          log.info('LISTEN connection restored');
          each((f) => f(undefined));
        },
        (err) => {
          log.warn({ err }, 'reconnecting the LISTEN connection failed; retrying');
          if (!closed) scheduleReconnect();
        },
      );
    }, opts.reconnectMs ?? 1000);
    retry.unref();
  }

  await connect();

  return {
    subscribe(channel, fn, key = '') {
      if (!opts.channels.includes(channel)) throw new Error(`the hub does not LISTEN on "${channel}"`);
      const byKey = subs.get(channel) ?? new Map<string, Set<(payload: string | undefined) => void>>();
      subs.set(channel, byKey);
      const set = byKey.get(key) ?? new Set();
      byKey.set(key, set);
      set.add(fn);
      return () => {
        set.delete(fn);
        if (set.size === 0) byKey.delete(key);
      };
    },
    size() {
      let n = 0;
      each(() => n++);
      return n;
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = undefined;
      if (c) await c.end().catch(() => undefined);
    },
  };
}

/**
 * A coalescing "something changed" flag for one streaming call: `next()`
 * resolves true at once if a change came since the last call, otherwise on the
 * next change, and false when `signal` aborts (the client went away).
 */
export function changeFlag(signal: AbortSignal) {
  let pending = false;
  let wake: ((v: boolean) => void) | undefined;
  const onAbort = () => wake?.(false);
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    raise(): void {
      pending = true;
      wake?.(true);
    },
    next(): Promise<boolean> {
      if (signal.aborted) return Promise.resolve(false);
      if (pending) {
        pending = false;
        return Promise.resolve(true);
      }
      return new Promise<boolean>((resolve) => {
        wake = (v) => {
          wake = undefined;
          pending = false;
          resolve(v && !signal.aborted);
        };
      });
    },
    dispose(): void {
      signal.removeEventListener('abort', onAbort);
      wake?.(false);
    },
  };
}
export type ChangeFlag = ReturnType<typeof changeFlag>;
