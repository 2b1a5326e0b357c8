import { DeadLetterAdminServiceService, ReplayOutcome as ProtoOutcome } from '@foodmesh/proto-gen/foodmesh/deadletters/v1/dead_letters';
import { deadLetterReplayer, listDeadLetters, type ConsumerApplier, type ReplayOutcome } from './dead-letters';
import { invalidArgument } from './errors';
import { bindService, type ServiceRegistration } from './grpc-server';
import { requireService } from './identity';
import type { Logger } from './logger';
import { pageOf, readPage } from './paging';
import type { Pool } from './pg';

const OUTCOME: Record<ReplayOutcome, ProtoOutcome> = {
  applied: ProtoOutcome.REPLAY_OUTCOME_APPLIED,
  duplicate: ProtoOutcome.REPLAY_OUTCOME_DUPLICATE,
  ignored: ProtoOutcome.REPLAY_OUTCOME_IGNORED,
  'still-parked': ProtoOutcome.REPLAY_OUTCOME_STILL_PARKED,
  'retry-later': ProtoOutcome.REPLAY_OUTCOME_RETRY_LATER,
};

/**
 * DeadLetterAdminService, served by every service that consumes (service-runtime.ts adds it):
 * the operators' way to see parked messages and replay them through the consumers' inboxes.
 */
export function deadLetterAdminService(opts: {
  service: string;
  pool: Pool;
  appliers: ReadonlyMap<string, ConsumerApplier>;
  logger: Logger;
  onChange?: () => void;
}): ServiceRegistration {
  const replayer = deadLetterReplayer(opts);
  return bindService(DeadLetterAdminServiceService, {
    async listDeadLetters(req, ctx) {
      requireService(ctx, 'ops');
      const page = readPage(req.page);
      const { rows, total } = await listDeadLetters(opts.pool, page);
      const { items, nextPageToken } = pageOf(rows, page);
      return {
        service: opts.service,
        deadLetters: items.map((d) => ({ ...d, orderId: d.key })),
        nextPageToken,
        total,
      };
    },
    async replayDeadLetters(req, ctx) {
      requireService(ctx, 'ops');
      if (!req.all && req.ids.length === 0) throw invalidArgument('name the dead letters to replay (ids), or set all');
      if (req.ids.length > 1000) throw invalidArgument('replay at most 1000 ids at once, or set all');
      const results = req.all ? await replayer.replayAll() : await replayer.replay(req.ids);
      opts.onChange?.();
      return { results: results.map((r) => ({ id: r.id, outcome: OUTCOME[r.outcome], error: r.error ?? '' })) };
    },
  });
}
