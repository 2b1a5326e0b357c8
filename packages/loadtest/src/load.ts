import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ghzConfig, runGhz, type GhzReport } from './ghz';
import type { Scenario } from './scenario';

/** The scenario's load: each stage one ghz run against `target`, its config and JSON kept in `dir`. */
export async function runLoad(opts: {
  ghz: string;
  scenario: Scenario;
  target: string;
  metadata: Record<string, string>;
  dir: string;
  log: (line: string) => void;
  tls?: boolean;
  /** Which: the measured stages, or the warm-up before them. */
  part?: 'load' | 'warmup';
}): Promise<GhzReport[]> {
  const { scenario } = opts;
  const stages = opts.part === 'warmup' ? (scenario.warmup ? [scenario.warmup] : []) : scenario.load;
  const reports: GhzReport[] = [];
  for (const [i, stage] of stages.entries()) {
    const name = opts.part === 'warmup' ? 'warmup' : String(i + 1);
    const output = path.join(opts.dir, `ghz-${name}.json`);
    const configFile = path.join(opts.dir, `ghz-config-${name}.json`);
    const config = ghzConfig({
      stage,
      rpc: scenario.rpc,
      host: opts.target,
      requests: scenario.requests,
      metadata: opts.metadata,
      output,
      name: `${scenario.name} ${name}`,
      tls: opts.tls,
    });
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const shape = `${stage.schedule === 'const' ? `${stage.rps ?? 'max'}/s` : `${stage.start}→${stage.end}/s`}${stage.total ? `, ${stage.total} calls` : ''}`;
    opts.log(
      `${opts.part === 'warmup' ? 'warm-up' : `load stage ${i + 1}/${stages.length}`}: ghz ${stage.schedule} ${shape}, ${stage.concurrency} workers${stage.duration ? `, ${stage.duration / 1000} s` : ''} against ${opts.target}`,
    );
    reports.push(await runGhz(opts.ghz, configFile, output));
  }
  return reports;
}
