import type { Admin } from 'kafkajs';
import type { KafkaConnection } from '@foodmesh/platform';

async function withAdmin<T>(kafka: KafkaConnection, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** The last offset of every non-empty partition of `topics` (real names), keyed "topic:partition". */
export function lastOffsets(kafka: KafkaConnection, topics: string[]): Promise<Map<string, number>> {
  return withAdmin(kafka, async (admin) => {
    const out = new Map<string, number>();
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) if (Number(p.high) > Number(p.low)) out.set(`${topic}:${p.partition}`, Number(p.high) - 1);
    }
    return out;
  });
}

/** Messages published to `topics` that group `groupId` (real name) has not committed yet, summed over partitions. */
export function groupLag(kafka: KafkaConnection, groupId: string, topics: string[]): Promise<number> {
  return withAdmin(kafka, async (admin) => {
    const committed = new Map<string, number>();
    for (const t of await admin.fetchOffsets({ groupId, topics })) for (const p of t.partitions) committed.set(`${t.topic}:${p.partition}`, Number(p.offset));
    let lag = 0;
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        const at = committed.get(`${topic}:${p.partition}`) ?? -1;
        lag += Math.max(0, Number(p.high) - (at >= 0 ? at : Number(p.low)));
      }
    }
    return lag;
  });
}

export function deleteGroup(kafka: KafkaConnection, groupId: string): Promise<void> {
  return withAdmin(kafka, (admin) => admin.deleteGroups([groupId]).then(() => undefined));
}
