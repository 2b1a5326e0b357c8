#!/usr/bin/env node
/**
 * `npm run loadtest:hpa -- --target <ingress host:port> [--namespace foodmesh] [--scenario hpa-ramp]
 * [--interval 15s] [--settle 5m] [--tls]`: the HPA drill on a cluster where k8s/overlays/… is
 * applied and kubectl points. Records `kubectl get hpa,deploy -o json` every interval, runs the
 * scenario's ramp through the Istio ingress (gRPC to the edge, a token from the edge's SignIn),
 * keeps recording while the load is gone (scale-down), then prints a before/during/after table and
 * writes report.html with the charts. `--from <dir> [--out <dir>]` makes the report again from a
 * recorded drill.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDuration } from '../duration';
import { callHeaders, signIn } from '../credentials';
import { ensureGhz, rotatingHeaders } from '../ghz';
import { runLoad } from '../load';
import { htmlReport, svgChart } from '../report-html';
import { LOADTEST_DIR, loadScenario, totalDuration } from '../scenario';
import { summarizeRpc } from '../timeline';
import { loadRecording, saveSnapshot, type DrillRecord } from './recording';
import { formatHpaTable, hpaCharts, hpaRows } from './report';
import type { Snapshot } from './snapshot';

const log = (line: string) => console.log(`[hpa] ${line}`);

function kubectl(args: string[]): string {
  const res = spawnSync('kubectl', args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (res.error)
    throw new Error('kubectl is not on PATH: the HPA drill needs kubectl pointed at a cluster where k8s/overlays/dev (or prod) is applied (docs/deploy.md §8)');
  if (res.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${res.stderr.trim()}`);
  return res.stdout;
}

export function renderDrill(dir: string, snapshots: Snapshot[], record: DrillRecord, extra: string[] = []): string[] {
  const rows = hpaRows(snapshots, record.loadStart, record.loadEnd);
  const table = formatHpaTable(rows);
  writeFileSync(path.join(dir, 'hpa-report.json'), JSON.stringify({ ...record, rows }, null, 2) + '\n');
  writeFileSync(
    path.join(dir, 'report.html'),
    htmlReport({
      title: `foodmesh HPA drill: ${record.scenario} against ${record.target}`,
      subtitle: `namespace ${record.namespace}; ${snapshots.length} snapshots; load ${new Date(record.loadStart).toISOString()} – ${new Date(record.loadEnd).toISOString()}`,
      sections: [
        { heading: 'Before / during / after', html: `<pre>${table.join('\n')}</pre>${extra.map((l) => `<p>${l}</p>`).join('')}` },
        { heading: 'Charts (seconds since the first snapshot)', html: hpaCharts(snapshots, record.loadStart, record.loadEnd).map(svgChart).join('\n') },
      ],
      summary: { ...record, rows },
    }),
  );
  return table;
}

async function main(argv: string[]): Promise<number> {
  const opt = (name: string, fallback?: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  const resultsDir = (what: string) => path.join(LOADTEST_DIR, 'results', `${what}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const from = opt('--from');
  if (from) {
    const { record, snapshots } = loadRecording(from);
    const out = opt('--out', resultsDir('hpa-report'))!;
    mkdirSync(out, { recursive: true });
    for (const line of renderDrill(out, snapshots, record)) console.log(line);
    console.log(`report: ${path.relative(process.cwd(), path.join(out, 'report.html'))}`);
    return 0;
  }
  const target = opt('--target');
  if (!target) {
    console.error(
      'usage: npm run loadtest:hpa -- --target <ingress host:port> [--namespace foodmesh] [--scenario hpa-ramp] [--interval 15s] [--settle 5m] [--tls]\n       npm run loadtest:hpa -- --from <recorded drill dir> [--out <dir>]',
    );
    return 2;
  }
  const namespace = opt('--namespace', 'foodmesh')!;
  const intervalMs = parseDuration(opt('--interval', '15s')!) ?? 15_000;
  const settleMs = parseDuration(opt('--settle', '5m')!) ?? 300_000;
  const scenario = loadScenario(opt('--scenario', 'hpa-ramp')!);
  kubectl(['version', '--client']);
  const ghz = ensureGhz(log);
  const dir = resultsDir('hpa');
  mkdirSync(dir, { recursive: true });
  const record: DrillRecord = { namespace, target, scenario: scenario.name, loadStart: 0, loadEnd: 0, snapshots: [] };
  const snapshots: Snapshot[] = [];
  let phase: Snapshot['phase'] = 'before';
  const take = () => snapshots.push(saveSnapshot(dir, record, kubectl(['-n', namespace, 'get', 'hpa,deploy', '-o', 'json']), Date.now(), phase));

  const users = await signIn(target, { validForMs: totalDuration(scenario.load) + settleMs + 600_000, userIds: scenario.as });
  take();
  log(`recorded the cluster before the load: ${snapshots[0]!.deployments.map((d) => `${d.name}=${d.replicas}`).join(' ')}`);
  const recorder = setInterval(take, intervalMs);
  try {
    phase = 'during';
    record.loadStart = Date.now();
    const metadata = rotatingHeaders(
      scenario.as.map((id) => callHeaders(users.get(id)!, 'edge')),
      scenario.requests.length,
    );
    const reports = await runLoad({ ghz, scenario, target, metadata, dir, log, tls: argv.includes('--tls') });
    record.loadEnd = Date.now();
    phase = 'after';
    const rpc = summarizeRpc(reports);
    log(
      `load done: ${rpc.count} calls, ${rpc.rate}/s OK, p99 ${rpc.p99Ms} ms, errors ${JSON.stringify(rpc.errors)}; watching the scale-down for ${settleMs / 1000} s…`,
    );
    await new Promise((r) => setTimeout(r, settleMs));
    clearInterval(recorder);
    take();
    for (const line of renderDrill(dir, snapshots, record, [`ghz: ${JSON.stringify(rpc)}`])) console.log(line);
  } finally {
    clearInterval(recorder);
  }
  console.log(`results in ${path.relative(process.cwd(), dir)}/ (drill.json, snapshots/, ghz-*.json, report.html)`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
