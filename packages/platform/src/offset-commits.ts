import type { Consumer } from 'kafkajs';
import type { Logger } from './logger';

/** The next offset to read of a partition: what a commit stores. */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

/** Sends a commit: the consumer's own by default, or a batch handler's while the consumer stops. */
export type CommitOffsets = (offsets: PartitionOffset[]) => Promise<void>;

export interface OffsetCommits {
  /** `offset` of the partition is handled: it is committed within the interval. */
  handled(topic: string, partition: number, offset: string): void;
  /** Commits everything handled so far, now (a rebalance, a stop). */
  flush(commit?: CommitOffsets): Promise<void>;
  /** Forgets the partitions this member no longer has (after a rebalance). */
  keepOnly(assigned: Record<string, number[]>): void;
  /** Drops the timer (nothing more is committed by interval). */
  stop(): void;
}

/**
 * Offsets committed by interval rather than after every batch: kafkajs's auto-commit commits after
 * every batch, which under load is a batch of one or two events, so the broker served an
 * OffsetCommit per event consumed (its largest request stream). The inbox makes consumption
 * effectively once whatever was committed, so a crash re-delivers at most one interval's events,
 * which it drops as duplicates; a rebalance and a stop commit at once, so a clean handover
 * re-delivers nothing.
 */
export function offsetCommits(consumer: Consumer, intervalMs: number, log: Logger): OffsetCommits {
  const pending = new Map<string, PartitionOffset>();
  let timer: NodeJS.Timeout | undefined;
  const byConsumer: CommitOffsets = (offsets) => consumer.commitOffsets(offsets);

  const arm = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      void flush();
    }, intervalMs);
    timer.unref();
  };

  async function flush(commit = byConsumer): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    if (pending.size === 0) return;
    const offsets = [...pending.values()];
    pending.clear();
    try {
      await commit(offsets);
    } catch (err) {
      // Tried again with the next commit, unless a later offset of the partition came meanwhile.
      for (const o of offsets) if (!pending.has(`${o.topic}:${o.partition}`)) pending.set(`${o.topic}:${o.partition}`, o);
      log.warn(
        { err: (err as Error).message, partitions: offsets.length },
        'could not commit offsets; they go with the next commit (a redelivery meanwhile is a duplicate the inbox drops)',
      );
      arm();
    }
  }

  return {
    handled(topic, partition, offset) {
      pending.set(`${topic}:${partition}`, { topic, partition, offset: (BigInt(offset) + 1n).toString() });
      arm();
    },
    flush,
    keepOnly(assigned) {
      for (const [key, o] of pending) if (!assigned[o.topic]?.includes(o.partition)) pending.delete(key);
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** Offsets in the shape of a batch handler's `commitOffsetsIfNecessary(offsets)`. */
export function byTopic(offsets: PartitionOffset[]): { topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> } {
  const topics = new Map<string, Array<{ partition: number; offset: string }>>();
  for (const o of offsets) topics.set(o.topic, [...(topics.get(o.topic) ?? []), { partition: o.partition, offset: o.offset }]);
  return { topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) };
}
