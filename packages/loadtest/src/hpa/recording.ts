import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseKubectlList, type Snapshot } from './snapshot';

/**
 * A drill on disk: each `kubectl get hpa,deploy -o json` as it came (snapshots/NNN.json) and
 * drill.json with when each was taken and when the load ran, so a report can be made again later
 * (npm run loadtest:hpa -- --from <dir>) and tests can read a recorded one.
 */
export interface DrillRecord {
  namespace: string;
  target: string;
  scenario: string;
  loadStart: number;
  loadEnd: number;
  snapshots: Array<{ file: string; at: number; phase: Snapshot['phase'] }>;
}

export function loadRecording(dir: string): { record: DrillRecord; snapshots: Snapshot[] } {
  const record = JSON.parse(readFileSync(path.join(dir, 'drill.json'), 'utf8')) as DrillRecord;
  const snapshots = record.snapshots.map((s) => ({
    at: s.at,
    phase: s.phase,
    deployments: parseKubectlList(JSON.parse(readFileSync(path.join(dir, s.file), 'utf8')), s.file),
  }));
  return { record, snapshots };
}

/** Appends one raw snapshot to a drill directory and returns its parsed form. */
export function saveSnapshot(dir: string, record: DrillRecord, raw: string, at: number, phase: Snapshot['phase']): Snapshot {
  const file = `snapshots/${String(record.snapshots.length + 1).padStart(3, '0')}.json`;
  mkdirSync(path.join(dir, 'snapshots'), { recursive: true });
  writeFileSync(path.join(dir, file), raw);
  const deployments = parseKubectlList(JSON.parse(raw), file);
  record.snapshots.push({ file, at, phase });
  writeFileSync(path.join(dir, 'drill.json'), JSON.stringify(record, null, 2) + '\n');
  return { at, phase, deployments };
}
