import path from 'node:path';
import { LOADTEST_DIR } from '../scenario';
import { loadRecording } from './recording';
import { formatHpaTable, hpaCharts, hpaRows } from './report';
import { parseKubectlList } from './snapshot';

const RECORDED = path.join(LOADTEST_DIR, 'hpa/recorded');

describe('the HPA drill report, on a recorded drill', () => {
  const { record, snapshots } = loadRecording(RECORDED);

  it("reads each snapshot's Deployments with their autoscaler's bounds, CPU and limits", () => {
    expect(snapshots).toHaveLength(12);
    const before = snapshots[0]!.deployments.find((d) => d.name === 'edge')!;
    expect(before).toMatchObject({
      replicas: 1,
      ready: 1,
      hpa: { min: 1, max: 3, current: 1, cpuPercent: 12, cpuTargetPercent: 60, memory: '155Mi', limited: false },
    });
    const atMax = snapshots.find((s) => s.deployments.find((d) => d.name === 'edge')!.replicas === 3)!;
    expect(atMax.deployments.find((d) => d.name === 'edge')!.hpa!.limited).toBe(true);
  });

  it('tells before, peak and after, and how long scaling up and down took', () => {
    const rows = Object.fromEntries(hpaRows(snapshots, record.loadStart, record.loadEnd).map((r) => [r.deployment, r]));
    expect(rows.edge).toMatchObject({ before: 1, peak: 3, after: 1, hitMax: true, scaleUpAfterMs: 60_000, scaleDownAfterMs: 250_000, cpuBefore: 12 });
    expect(rows.payment).toMatchObject({ before: 1, peak: 2, after: 1, hitMax: false, scaleUpAfterMs: 120_000 });
    expect(rows.store).toMatchObject({ before: 1, peak: 1, after: 1, scaleUpAfterMs: undefined, scaleDownAfterMs: undefined });
  });

  it('prints one aligned row per Deployment', () => {
    const lines = formatHpaTable(hpaRows(snapshots, record.loadStart, record.loadEnd));
    expect(lines).toHaveLength(8);
    expect(lines[0]).toMatch(/deployment\s+hpa\s+before\s+peak\s+after/);
    expect(lines.find((l) => l.includes(' edge '))).toMatch(/edge\s+1\.\.3\s+1\s+3 \(max\)\s+1\s+12% \/ 59% \/ 12%\s+60 s\s+250 s/);
  });

  it('charts pods and CPU per Deployment with the load marked', () => {
    const [pods, cpu] = hpaCharts(snapshots, record.loadStart, record.loadEnd);
    expect(pods!.lines.map((l) => l.name)).toEqual(['delivery', 'edge', 'notification', 'order', 'orderview', 'payment', 'store']);
    expect(pods!.lines.find((l) => l.name === 'edge')!.y).toEqual([1, 1, 2, 2, 2, 3, 3, 3, 3, 2, 2, 1]);
    expect(pods!.markers).toEqual([
      { x: 10, label: 'load starts' },
      { x: 330, label: 'load ends' },
    ]);
    expect(cpu!.unit).toBe('% of request');
  });

  it('refuses output that is not kubectl get hpa,deploy -o json, saying why', () => {
    expect(() => parseKubectlList({ kind: 'Deployment' }, 'x.json')).toThrow('x.json: not the output of kubectl get hpa,deploy -o json');
    expect(() => parseKubectlList({ kind: 'List', items: [{ kind: 'Pod', metadata: { name: 'p' } }] }, 'x.json')).toThrow('x.json: items[0] is a Pod');
    expect(() =>
      parseKubectlList({ kind: 'List', items: [{ kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v1', metadata: { name: 'h' } }] }, 'x.json'),
    ).toThrow('is autoscaling/v1; the drill reads autoscaling/v2');
    expect(() =>
      parseKubectlList(
        {
          kind: 'List',
          items: [{ kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2', metadata: { name: 'h' }, spec: { scaleTargetRef: { name: 'gone' } } }],
        },
        'x.json',
      ),
    ).toThrow('HorizontalPodAutoscaler h scales Deployment gone, which the output does not have');
    expect(() =>
      hpaRows(
        snapshots.filter((s) => s.phase === 'after'),
        record.loadStart,
        record.loadEnd,
      ),
    ).toThrow('needs snapshots from before and during');
  });
});
