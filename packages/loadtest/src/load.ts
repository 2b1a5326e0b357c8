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
}): Promise<GhzReport[]> {
  const { scenario } = opts;
  const reports: GhzReport[] = [];
  for (const [i, stage] of scenario.load.entries()) {
    const output = path.join(opts.dir, `ghz-${i + 1}.json`);
    const configFile = path.join(opts.dir, `ghz-config-${i + 1}.json`);
    const config = ghzConfig({ stage, rpc: scenario.rpc, host: opts.target, requests: scenario.requests, metadata: opts.metadata, output, name: `${scenario.name} stage ${i + 1}`, tls: opts.tls });
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const shape = stage.schedule === 'const' ? `${stage.rps ?? 'max'}/s` : `${stage.start}→${stage.end}/s`;
    opts.log(`load stage ${i + 1}/${scenario.load.length}: ghz ${stage.schedule} ${shape}, ${stage.concurrency} workers, ${stage.duration / 1000} s against ${opts.target}`);
    reports.push(await runGhz(opts.ghz, configFile, output));
  }
  return reports;
}
