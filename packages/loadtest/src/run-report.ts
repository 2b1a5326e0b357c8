import path from 'node:path';
import type { CrewStats } from './crew';
import type { GhzReport } from './ghz';
import { htmlReport, htmlTable, svgChart, type Chart } from './report-html';
import type { RunSummary } from './run';
import type { StackSeries } from './series';
import { formatMetric } from './thresholds';
import { rpcTimeline } from './timeline';

/** The printed table: the figures a person looks at first, and why a run failed. */
export function printSummary(s: RunSummary, out: (line: string) => void = console.log): void {
  const row = (k: string, v: string) => out(`  ${k.padEnd(24)} ${v}`);
  out('');
  out(`${s.scenario}: ${s.description}`);
  row(
    'machine',
    `${s.machine.cpus} × ${s.machine.cpuModel}, ${s.machine.memoryGiB} GiB, load average ${s.machine.loadAverageBefore[0]} → ${s.machine.loadAverageAfter[0]}`,
  );
  row(
    'stack',
    `${s.stack.origin}; replicas ${
      Object.entries(s.stack.replicas)
        .filter(([, n]) => n > 1)
        .map(([k, n]) => `${k}×${n}`)
        .join(' ') || 'one each'
    }`,
  );
  row(
    'rpc',
    `${s.rpc.count} calls, ${s.rpc.rate}/s OK, p50 ${s.rpc.p50Ms} ms, p95 ${s.rpc.p95Ms} ms, p99 ${s.rpc.p99Ms} ms, errors ${formatMetric('rpc.errorRate', s.rpc.errorRate)} ${JSON.stringify(s.rpc.errors)}`,
  );
  row('orders of the run', JSON.stringify(s.runOrders));
  if (s.crew) {
    row(
      'sagas (crew)',
      `${Object.values(s.crew.sagas.final).reduce((a, b) => a + b, 0)} finished ${JSON.stringify(s.crew.sagas.final)}, ${s.crew.sagas.unfinished} unfinished; end-to-end p50 ${s.crew.endToEndP50Ms} ms, p99 ${s.crew.endToEndP99Ms} ms`,
    );
    row('crew failures', `${s.crew.failureCount}${s.crew.failures.length ? `: ${s.crew.failures.slice(0, 3).join(' | ')}` : ''}`);
  }
  row('event-to-view lag', `p50 ${s.viewLag.p50Ms} ms, p99 ${s.viewLag.p99Ms} ms (${s.viewLag.count} events)`);
  row(
    'pay-later',
    `${s.payLater.fallbacks} fallbacks${s.payLater.deferred === undefined ? '' : `, ${s.payLater.deferred} orders deferred, ${s.payLater.paidLater} paid later`}; breaker open in ${s.breaker.openSamples} samples`,
  );
  for (const [service, list] of Object.entries(s.replicas).filter(([, l]) => l.length > 1)) {
    row(
      `replicas of ${service}`,
      list
        .map(
          (r) =>
            `#${r.replica} ${Number.isFinite(r.rpcShare) ? `${Math.round(r.rpcShare * 100)}%` : 'no'} RPCs, ${Number.isFinite(r.consumedShare) ? `${Math.round(r.consumedShare * 100)}%` : 'no'} events, ${r.published} published${r.unanswered ? `, ${r.unanswered} scrapes unanswered` : ''}`,
        )
        .join('; '),
    );
  }
  row(
    'CPU under load (cores)',
    Object.entries(s.cpuCores)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
  );
  if (Object.keys(s.cpuMsPerSaga).length)
    row(
      'CPU per saga (ms)',
      Object.entries(s.cpuMsPerSaga)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    );
  if (Object.keys(s.cpuMsPerOrder).length)
    row(
      'CPU per order placed (ms)',
      Object.entries(s.cpuMsPerOrder)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    );
  row(
    'busiest methods',
    s.methods
      .slice(0, 4)
      .map((m) => `${m.service} ${m.method.split('/').pop()} ×${m.count} p50 ${m.p50Ms} ms p99 ${m.p99Ms} ms`)
      .join('; '),
  );
  if (s.drill.length) row('drill', s.drill.map((e) => `${(e.at / 1000).toFixed(1)}s ${e.service}#${e.replica} ${e.what}`).join(', '));
  row('relay leaders', JSON.stringify(s.relayLeaders));
  row('drained', `${s.drained.unpublished} unpublished, consumer lag ${s.drained.consumerLag} (after ${(s.drained.waitedMs / 1000).toFixed(1)} s)`);
  row(
    'books',
    s.books.balanced
      ? `balanced (${s.books.figures.orders} orders, charged ${s.books.figures.chargedUnits}, refunded ${s.books.figures.refundedUnits})`
      : 'DO NOT BALANCE',
  );
  for (const p of s.books.problems) out(`      ✗ ${p}`);
  for (const t of s.thresholds) out(`  ${t.passed ? '✓' : '✗'} ${t.metric} ${t.text}: ${formatMetric(t.metric, t.actual)}`);
  out(`${s.passed ? 'PASSED' : 'FAILED'} — results in ${path.relative(process.cwd(), s.resultsDir)}/ (summary.json, report.html, ghz-*.json)`);
}

export function renderReport(
  s: RunSummary,
  d: { reports: GhzReport[]; loadStart: number; loadEnd: number; series: StackSeries; shift: number; crewStats?: CrewStats },
): string {
  const rpc = rpcTimeline(d.reports, d.loadStart);
  const stackX = d.series.seconds.map((t) => Math.round((t - d.shift) * 10) / 10);
  // One marker per kind of drill event (the kills, the restarts), at its first occurrence.
  const markers = [...new Set(s.drill.map((e) => e.what))].map((what) => {
    const events = s.drill.filter((e) => e.what === what);
    return { x: Math.min(...events.map((e) => e.at)) / 1000, label: `${events.length} ${what}` };
  });
  const perService = (key: 'rpcRate' | 'consumerLag' | 'outboxBacklog' | 'cpuCores' | 'rssMiB') =>
    Object.entries(d.series.services).map(([name, v]) => ({ name, x: stackX, y: v[key] }));
  let cumulative = 0;
  const finished = (d.crewStats?.finishedPerSecond ?? []).map((n) => (cumulative += n));
  const crewOffset = d.crewStats ? (d.loadStart - d.crewStats.startedAt) / 1000 : 0;
  const charts: Chart[] = [
    {
      title: 'Throughput of the RPC under load',
      unit: 'calls/s',
      lines: [
        { name: 'OK', x: rpc.seconds, y: rpc.okPerSecond },
        { name: 'errors', x: rpc.seconds, y: rpc.errorsPerSecond },
      ],
      markers,
    },
    {
      title: 'Latency of OK calls',
      unit: 'ms',
      lines: [
        { name: 'p50', x: rpc.seconds, y: rpc.p50Ms },
        { name: 'p95', x: rpc.seconds, y: rpc.p95Ms },
        { name: 'p99', x: rpc.seconds, y: rpc.p99Ms },
      ],
      markers,
    },
    {
      title: 'Sagas completed (cumulative, crew)',
      unit: 'orders',
      lines: [{ name: 'finished', x: finished.map((_, i) => i + 1 - crewOffset), y: finished }],
      markers,
    },
    { title: 'Pay-later fallbacks', unit: 'per second', lines: [{ name: 'fallbacks', x: stackX, y: d.series.fallbacksRate }], markers },
    {
      title: 'Event-to-view lag',
      unit: 'ms',
      lines: [
        { name: 'p50', x: stackX, y: d.series.viewLagP50Ms },
        { name: 'p99', x: stackX, y: d.series.viewLagP99Ms },
      ],
      markers,
    },
    { title: 'Payment breaker open', unit: 'order replicas', lines: [{ name: 'open', x: stackX, y: d.series.breakerOpenReplicas }], markers },
    { title: 'RPCs served per service', unit: 'calls/s', lines: perService('rpcRate'), markers },
    { title: 'Consumer lag per service', unit: 'messages', lines: perService('consumerLag'), markers },
    { title: 'Outbox backlog per service', unit: 'rows', lines: perService('outboxBacklog'), markers },
    { title: 'CPU per service', unit: 'cores', lines: perService('cpuCores'), markers },
    { title: 'Memory per service (resident)', unit: 'MiB', lines: perService('rssMiB'), markers },
  ];
  const replicaRows = Object.entries(s.replicas).flatMap(([service, list]) =>
    list.map((r) => [
      service,
      r.replica,
      r.rpcs,
      `${Math.round(r.rpcShare * 1000) / 10}%`,
      r.consumed,
      `${Math.round(r.consumedShare * 1000) / 10}%`,
      r.published,
      r.unanswered,
    ]),
  );
  return htmlReport({
    title: `foodmesh load test: ${s.scenario} — ${s.passed ? 'PASSED' : 'FAILED'}`,
    subtitle: `${s.description}. ${s.startedAt}; ${s.machine.cpus} × ${s.machine.cpuModel}, ${s.machine.memoryGiB} GiB, Node ${s.machine.node}; load average ${s.machine.loadAverageBefore.join(' ')} → ${s.machine.loadAverageAfter.join(' ')}.`,
    sections: [
      {
        heading: 'Thresholds and books',
        html: htmlTable([
          ['check', 'rule', 'measured', 'result'],
          ...s.thresholds.map((t) => [t.metric, t.text, formatMetric(t.metric, t.actual), t.passed ? 'pass' : 'FAIL']),
          ['books', 'balance', s.books.problems.join(' / ') || 'balanced', s.books.balanced ? 'pass' : 'FAIL'],
        ]),
      },
      { heading: 'Charts (seconds since the load started)', html: charts.map(svgChart).join('\n') },
      {
        heading: 'Where the time goes',
        html:
          htmlTable([
            ['service', 'CPU while the load ran (cores, mean)'],
            ...Object.entries(s.cpuCores)
              .sort((a, b) => b[1] - a[1])
              .map(([k, v]) => [k, v]),
          ]) +
          htmlTable([['process', 'CPU per finished saga (ms, warm-up to drained)'], ...Object.entries(s.cpuMsPerSaga).map(([k, v]) => [k, v])]) +
          htmlTable([['service', 'method', 'calls', 'p50 ms', 'p99 ms'], ...s.methods.map((m) => [m.service, m.method, m.count, m.p50Ms, m.p99Ms])]),
      },
      {
        heading: 'Work per replica',
        html: htmlTable([
          [
            'service',
            'replica',
            'RPCs',
            'share',
            'events consumed',
            'share',
            'events published',
            'scrapes unanswered (killed, or too busy to answer in 0.8 s)',
          ],
          ...replicaRows,
        ]),
      },
      {
        heading: 'Crew actions',
        html: s.crew ? htmlTable([['action', 'outcomes'], ...Object.entries(s.crew.actions).map(([a, o]) => [a, JSON.stringify(o)])]) : '<p>no crew</p>',
      },
    ],
    summary: s,
  });
}
