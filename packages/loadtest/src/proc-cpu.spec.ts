import { spawn } from 'node:child_process';
import { cpuMsPer, cpuSnapshot } from './proc-cpu';

describe('CPU per process group', () => {
  it('divides each group’s CPU between two snapshots by the work done, costliest first, with the total', () => {
    const before = new Map([
      ['kafka', 10],
      ['order', 2],
      ['idle', 1],
    ]);
    const after = new Map([
      ['kafka', 11],
      ['order', 2.5],
      ['idle', 1],
      ['ghz', 0.1],
    ]);
    const per = cpuMsPer(before, after, 100);
    expect(per).toEqual({ kafka: 10, order: 5, ghz: 1, total: 16 });
    expect(Object.keys(per)).toEqual(['kafka', 'order', 'ghz', 'total']);
    expect(cpuMsPer(before, after, 0)).toEqual({});
  });

  it('counts a child it waited for as ghz and itself as the runner (Linux /proc)', async () => {
    if (process.platform !== 'linux') return;
    const before = cpuSnapshot();
    // A child that burns 300 ms of its own CPU time (not wall time: the machine may be busy), then exits and is reaped.
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', 'while (process.cpuUsage().user < 300_000);']);
      child.on('error', reject);
      child.on('exit', () => resolve());
    });
    const after = cpuSnapshot();
    expect(after.get('ghz')! - (before.get('ghz') ?? 0)).toBeGreaterThanOrEqual(0.29);
    expect(after.get('runner')).toBeGreaterThan(0);
  });
});
