import { Metadata, status } from '@grpc/grpc-js';
import { createPlatformMetrics } from './metrics';
import type { LocalSettings } from './mesh-policy';
import { createUpstreamResilience } from './resilience';

const fail = (code: status) => Object.assign(new Error(status[code]), { code, details: status[code], metadata: new Metadata() });

const settings: LocalSettings = {
  timeoutMs: 2000,
  retries: { attempts: 3, perTryTimeoutMs: 100, backoffMs: 1, retryOn: ['UNAVAILABLE', 'DEADLINE_EXCEEDED'], methods: ['Pay'] },
  breaker: { consecutiveErrors: 3, halfOpenAfterMs: 200, maxConcurrent: 2, maxQueued: 1 },
};

describe('upstream resilience (local mode)', () => {
  const soon = () => Date.now() + 2000;

  it('retries an idempotent method on UNAVAILABLE and returns the later success', async () => {
    const r = createUpstreamResilience({ upstream: 'payment', settings });
    let tries = 0;
    const result = await r.execute('Pay', soon(), async () => {
      tries++;
      if (tries < 3) throw fail(status.UNAVAILABLE);
      return 'paid';
    });
    expect(result).toBe('paid');
    expect(tries).toBe(3);
  });

  it('never retries a method that is not listed as idempotent', async () => {
    const r = createUpstreamResilience({ upstream: 'payment', settings });
    let tries = 0;
    await expect(
      r.execute('Refund', soon(), async () => {
        tries++;
        throw fail(status.UNAVAILABLE);
      }),
    ).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(tries).toBe(1);
  });

  it('does not retry a code outside retryOn', async () => {
    const r = createUpstreamResilience({ upstream: 'payment', settings });
    let tries = 0;
    await expect(
      r.execute('Pay', soon(), async () => {
        tries++;
        throw fail(status.INVALID_ARGUMENT);
      }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(tries).toBe(1);
  });

  it("keeps the retry budget: under a failing upstream, retries in flight stop at the policy's maxConcurrent", async () => {
    const metrics = createPlatformMetrics('t');
    const budgeted: LocalSettings = { timeoutMs: 2000, retries: { ...settings.retries!, maxConcurrent: 2 } };
    const r = createUpstreamResilience({ upstream: 'payment', settings: budgeted, metrics });
    let inFlight = 0;
    let mostInFlight = 0;
    const triesPerCall: number[] = Array(10).fill(0);
    const failing = (call: number) => async () => {
      triesPerCall[call]!++;
      const retry = triesPerCall[call]! > 1;
      if (retry) mostInFlight = Math.max(mostInFlight, ++inFlight);
      await new Promise((res) => setTimeout(res, 20));
      if (retry) inFlight--;
      throw fail(status.UNAVAILABLE);
    };
    const outcomes = await Promise.allSettled(triesPerCall.map((_, i) => r.execute('Pay', soon(), failing(i))));
    expect(outcomes.every((o) => o.status === 'rejected' && (o.reason as { code: number }).code === status.UNAVAILABLE)).toBe(true);
    expect(mostInFlight).toBe(2);
    // Two calls got the budget and used all their tries; the other eight failed after one.
    expect([...triesPerCall].sort()).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 3, 3]);
    expect((await metrics.resilienceRejections.get()).values.find((v) => v.labels.reason === 'retry_budget')?.value).toBe(8);

    // Without a budget the same failure triples the load on the upstream.
    const unbounded = createUpstreamResilience({ upstream: 'payment', settings: { timeoutMs: 2000, retries: settings.retries } });
    triesPerCall.fill(0);
    await Promise.allSettled(triesPerCall.map((_, i) => unbounded.execute('Pay', soon(), failing(i))));
    expect(triesPerCall.reduce((a, b) => a + b)).toBe(30);
  });

  it('gives each try its own deadline, never past the call deadline', async () => {
    const r = createUpstreamResilience({ upstream: 'payment', settings });
    const deadlines: number[] = [];
    const callDeadline = Date.now() + 150;
    await r.execute('Pay', callDeadline, async (d) => {
      deadlines.push(d);
      if (deadlines.length === 1) throw fail(status.DEADLINE_EXCEEDED);
      return 'ok';
    });
    expect(deadlines[0]!).toBeLessThanOrEqual(Date.now() + 100);
    expect(Math.max(...deadlines)).toBeLessThanOrEqual(callDeadline);
  });

  it('opens after consecutive failures and then fails fast without calling, then half-opens and closes', async () => {
    const metrics = createPlatformMetrics('t');
    const r = createUpstreamResilience({ upstream: 'payment', settings: { ...settings, retries: undefined }, metrics });
    let calls = 0;
    const down = async () => {
      calls++;
      throw fail(status.UNAVAILABLE);
    };
    for (let i = 0; i < 3; i++) await expect(r.execute('Pay', soon(), down)).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(r.breakerState()).toBe('open');
    expect(calls).toBe(3);

    const err = await r.execute('Pay', soon(), down).catch((e) => e);
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(err.metadata.get('x-error-reason')).toEqual(['CIRCUIT_OPEN']);
    expect(calls).toBe(3); // failed fast: the upstream was not called
    expect((await metrics.breakerState.get()).values[0]?.value).toBe(2);

    await new Promise((r2) => setTimeout(r2, 250));
    await expect(r.execute('Pay', soon(), async () => 'ok')).resolves.toBe('ok');
    expect(r.breakerState()).toBe('closed');
  });

  it('does not count business errors (e.g. INVALID_ARGUMENT) towards opening', async () => {
    const r = createUpstreamResilience({ upstream: 'payment', settings: { ...settings, retries: undefined } });
    for (let i = 0; i < 5; i++)
      await r
        .execute('Pay', soon(), async () => {
          throw fail(status.FAILED_PRECONDITION);
        })
        .catch(() => undefined);
    expect(r.breakerState()).toBe('closed');
  });

  it('rejects calls beyond the concurrency cap and queue at once', async () => {
    const r = createUpstreamResilience({ upstream: 'payment', settings: { ...settings, retries: undefined } });
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    const slow = () => gate.then(() => 'done');
    const running = [r.execute('Pay', soon(), slow), r.execute('Pay', soon(), slow), r.execute('Pay', soon(), slow)]; // 2 run + 1 queued
    const rejected = await r.execute('Pay', soon(), slow).catch((e) => e);
    expect(rejected.code).toBe(status.UNAVAILABLE);
    expect(rejected.metadata.get('x-error-reason')).toEqual(['CLIENT_OVERLOADED']);
    release();
    await expect(Promise.all(running)).resolves.toEqual(['done', 'done', 'done']);
  });

  it('in mesh mode does nothing but run the call (the sidecar retries)', async () => {
    const r = createUpstreamResilience({ upstream: 'payment', settings: { timeoutMs: 2000 } });
    let tries = 0;
    await expect(
      r.execute('Pay', soon(), async () => {
        tries++;
        throw fail(status.UNAVAILABLE);
      }),
    ).rejects.toBeDefined();
    expect(tries).toBe(1);
    expect(r.breakerState()).toBe('none');
  });
});
