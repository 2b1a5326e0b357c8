import type { Admin } from 'kafkajs';

/**
 * Whether a consumer group has applied a record: the group's committed offset on the record's
 * partition is past it (our consumers commit an offset only once every record before it is
 * applied). The crew waits on it where the stack itself would answer FAILED_PRECONDITION until the
 * group has caught up: one OffsetFetch per poll answers every waiter, and only while some wait.
 */
export interface AppliedWatch {
  /** True once the group has committed past `offset` on `partition`; false after the watch's timeout (or stop). */
  applied(partition: number, offset: number): Promise<boolean>;
  stop(): void;
}

export interface Waiter {
  partition: number;
  offset: number;
  giveUpAt: number;
  resolve(applied: boolean): void;
}

/** What one reading of the committed offsets settles: the waiters applied (true) or out of time (false), and those left. */
export function settle(waiters: readonly Waiter[], committed: ReadonlyMap<number, number>, now: number): { done: Array<[Waiter, boolean]>; left: Waiter[] } {
  const done: Array<[Waiter, boolean]> = [];
  const left: Waiter[] = [];
  for (const w of waiters) {
    if ((committed.get(w.partition) ?? -1) > w.offset) done.push([w, true]);
    else if (now >= w.giveUpAt) done.push([w, false]);
    else left.push(w);
  }
  return { done, left };
}

export function watchApplied(opts: { admin: Admin; groupId: string; topic: string; pollMs: number; timeoutMs: number }): AppliedWatch {
  let waiters: Waiter[] = [];
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  let stopped = false;

  const schedule = () => {
    if (!stopped && !polling && !timer && waiters.length) timer = setTimeout(() => void poll(), opts.pollMs);
  };
  const poll = async () => {
    timer = undefined;
    polling = true;
    const committed = new Map<number, number>();
    try {
      const [topic] = await opts.admin.fetchOffsets({ groupId: opts.groupId, topics: [opts.topic] });
      for (const p of topic?.partitions ?? []) committed.set(p.partition, Number(p.offset));
    } catch {
      // Unreadable this time: only the waiters out of time are settled (the caller goes ahead without the proof).
    }
    polling = false;
    if (stopped) return;
    const { done, left } = settle(waiters, committed, Date.now());
    waiters = left;
    for (const [w, applied] of done) w.resolve(applied);
    schedule();
  };

  return {
    applied: (partition, offset) =>
      new Promise<boolean>((resolve) => {
        if (stopped) return resolve(false);
        waiters.push({ partition, offset, giveUpAt: Date.now() + opts.timeoutMs, resolve });
        schedule();
      }),
    stop() {
      stopped = true;
      clearTimeout(timer);
      for (const w of waiters.splice(0)) w.resolve(false);
    },
  };
}
