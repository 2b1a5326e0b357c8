import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ensurePrometheus, RULES_FILE } from '../src';

/**
 * The recording rules as code: `promtool check rules` (syntax, PromQL, names) and
 * `promtool test rules` (each rule against input series, observability/prometheus/rules.test.yaml).
 * The first run on a machine builds promtool (scripts/observability-tools.sh, minutes).
 */
describe('the recording rules (observability/prometheus)', () => {
  let promtool: string;
  beforeAll(async () => {
    promtool = (await ensurePrometheus((l) => process.stderr.write(`[observe] ${l}\n`))).promtool;
  }, 20 * 60_000);

  const run = (...args: string[]) => spawnSync(promtool, args, { encoding: 'utf8', cwd: path.dirname(RULES_FILE) });

  it('pass promtool check rules', () => {
    const records = (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: Array<{ rules: unknown[] }> }).groups.flatMap((g) => g.rules);
    const r = run('check', 'rules', RULES_FILE);
    expect(r.stdout + r.stderr).toContain(`SUCCESS: ${records.length} rules found`);
    expect(r.status).toBe(0);
  });

  it('compute what their unit tests expect (promtool test rules)', () => {
    const r = run('test', 'rules', 'rules.test.yaml');
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});
