import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseDuration } from './duration';
import { loadCatalog, requestProblems, type Catalog, type RpcInfo } from './proto-catalog';
import { parseThreshold, type Threshold } from './thresholds';

/** loadtest/ at the repository root: scenarios/, results/, hpa/. */
export const LOADTEST_DIR = path.resolve(__dirname, '../../../loadtest');
export const SCENARIOS_DIR = path.join(LOADTEST_DIR, 'scenarios');

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration; write e.g. 500ms, 30s or 2m` });
  return ms ?? 0;
});
const count = z.number().int().nonnegative();
const share = z.number().min(0).max(1);

const stageSchema = z
  .strictObject({
    /** ghz --load-schedule: const (rps, or as fast as `concurrency` allows), step or line (start → end). */
    schedule: z.enum(['const', 'step', 'line']).default('const'),
    rps: z.number().int().positive().optional(),
    start: z.number().int().positive().optional(),
    end: z.number().int().positive().optional(),
    /** line: requests/s added per second; step: added per step. Negative ramps down. */
    step: z.number().int().optional(),
    stepDuration: duration.optional(),
    /** ghz workers (-c). */
    concurrency: z.number().int().positive().default(50),
    /** HTTP/2 connections ghz spreads the workers over. */
    connections: z.number().int().positive().default(1),
    /** How long ghz sends calls… */
    duration: duration.optional(),
    /** …or exactly this many calls (ghz -n), each within `timeout`. */
    total: z.number().int().positive().optional(),
    /** Per call. */
    timeout: duration.default(10_000),
  })
  .superRefine((l, ctx) => {
    if ((l.duration === undefined) === (l.total === undefined)) ctx.addIssue({ code: 'custom', path: ['duration'], message: 'give either duration or total' });
    const required =
      l.schedule === 'const' ? [] : l.schedule === 'line' ? (['start', 'end', 'step'] as const) : (['start', 'end', 'step', 'stepDuration'] as const);
    for (const field of required) {
      if (l[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `is required for schedule ${l.schedule}` });
    }
    if (l.schedule === 'const' && (l.start !== undefined || l.end !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'start/end need schedule step or line (const takes rps)' });
    }
  });

const crewSchema = z.strictObject({
  /** Share of paid orders the owner rejects (the payment is refunded). */
  rejectShare: share.default(0),
  /** Share of accepted orders the customer cancels, racing the owner's start of cooking. */
  cancelShare: share.default(0),
  /** Mean think times in ms (each wait is drawn uniformly from half to one and a half times it). */
  thinkMs: z
    .strictObject({
      owner: count.default(200),
      cook: count.default(300),
      rider: count.default(200),
      customer: count.default(200),
      /** A deferred order is paid again after this, or the retry-after its reply named if longer (spread up to twice that). */
      payLater: count.default(2000),
    })
    .prefault({}),
  /** Crew calls in flight at most (the rest queue). */
  maxInFlight: z.number().int().positive().default(64),
  /** After the load: how long every saga of the run has to reach its end. */
  drainTimeout: duration.default(60_000),
});

const faultsSchema = z.strictObject({
  latencyMs: count.optional(),
  errorRate: share.optional(),
  /** A gRPC status code number (14 = UNAVAILABLE). */
  errorCode: count.optional(),
  declineRate: share.optional(),
  /** Payment's own concurrency cap: calls beyond it fail RESOURCE_EXHAUSTED. */
  maxConcurrent: count.optional(),
});

const scenarioSchema = z.strictObject({
  description: z.string().min(1),
  /** package.Service.Method in proto/. */
  call: z.string().min(1),
  /** The stack service ghz calls; through the edge a call carries a bearer token. */
  target: z.string().default('edge'),
  /** Demo users the calls are made as, round-robin (tokens from the edge's SignIn). */
  as: z.array(z.string().min(1)).min(1),
  /** Request templates (ghz data), round-robin; ghz template actions such as {{newUUID}} allowed. */
  requests: z.array(z.record(z.string(), z.unknown())).min(1),
  /** A ghz run before the measured load (JIT, pools, connections warm up); its orders still count in the books. */
  warmup: stageSchema.optional(),
  /** One ghz run, or several one after the other (e.g. up, then back down). */
  load: z.preprocess((l) => (Array.isArray(l) ? l : [l]), z.array(stageSchema).min(1)),
  crew: crewSchema.optional(),
  stack: z
    .strictObject({
      /** Processes per service (a fresh stack is started when any is above 1). */
      replicas: z.record(z.string(), z.number().int().min(1)).default({}),
      /** Set on payment's fault knob for the run, cleared after it. */
      paymentFaults: faultsSchema.optional(),
      /** Environment for every service of a stack started for the run (a running npm start keeps its own). */
      env: z.record(z.string(), z.string()).default({}),
    })
    .prefault({}),
  /** The scale drill: SIGKILL one replica of each of these services mid-run, then start it again. */
  drill: z
    .strictObject({
      kill: z.array(z.string()).min(1),
      replica: z.number().int().nonnegative().default(1),
      at: duration,
      restartAfter: duration,
    })
    .optional(),
  /** metric: "<op> <value><unit>"; see thresholds.ts. */
  thresholds: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
});

type Parsed = z.infer<typeof scenarioSchema>;
export type LoadStage = z.infer<typeof stageSchema>;
/** How long the stages take: their durations, or for a number of calls its time at the stage's rate plus one timeout. */
export const totalDuration = (stages: LoadStage[]) =>
  stages.reduce((ms, st) => ms + (st.duration ?? ((st.total ?? 0) / (st.rps ?? st.start ?? 1)) * 1000 + st.timeout), 0);
export interface Scenario extends Omit<Parsed, 'thresholds'> {
  name: string;
  file: string;
  rpc: RpcInfo;
  thresholds: Threshold[];
}

/** A file as a person finds it: relative to where they are when it is below there, else absolute. */
function shownPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(file);
}

/** A scenario file with a problem: the message names the file and the field. */
export class ScenarioError extends Error {
  constructor(file: string, problems: string[]) {
    super(`${shownPath(file)}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ScenarioError';
  }
}

const fieldPath = (p: readonly PropertyKey[]) =>
  p
    .map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`))
    .join('')
    .slice(1) || '(top level)';

/** `order-flow` (loadtest/scenarios/order-flow.yaml) or a path to a .yaml file. */
export function scenarioFile(nameOrPath: string): string {
  if (nameOrPath.endsWith('.yaml') || nameOrPath.includes('/')) return path.resolve(nameOrPath);
  return path.join(SCENARIOS_DIR, `${nameOrPath}.yaml`);
}

/** Reads, validates and resolves a scenario: every problem is reported before any load is sent. */
export function loadScenario(nameOrPath: string, catalog: Catalog = loadCatalog()): Scenario {
  const file = scenarioFile(nameOrPath);
  if (!existsSync(file)) throw new ScenarioError(file, [`no such scenario file; scenarios: ${listScenarios().join(', ')}`]);
  return parseScenario(readFileSync(file, 'utf8'), file, catalog);
}

export function parseScenario(text: string, file: string, catalog: Catalog): Scenario {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new ScenarioError(file, [`not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  const result = scenarioSchema.safeParse(raw);
  if (!result.success) {
    throw new ScenarioError(
      file,
      result.error.issues.map((i) =>
        i.code === 'unrecognized_keys'
          ? `${i.keys.map((k) => fieldPath([...i.path, k])).join(', ')}: unknown field${i.keys.length > 1 ? 's' : ''}`
          : `${fieldPath(i.path)}: ${i.message}`,
      ),
    );
  }
  const s = result.data;
  const problems: string[] = [];
  let rpc: RpcInfo | undefined;
  try {
    rpc = catalog.rpc(s.call);
    if (rpc.serverStreaming) problems.push(`call: ${rpc.fullName} is a server stream; the load suite drives unary RPCs`);
    s.requests.forEach((r, i) => problems.push(...requestProblems(rpc!.requestType, r, `requests[${i}]`)));
  } catch (err) {
    problems.push(`call: ${(err as Error).message}`);
  }
  const thresholds: Threshold[] = [];
  for (const [metric, text] of Object.entries(s.thresholds)) {
    try {
      thresholds.push(parseThreshold(metric, text));
    } catch (err) {
      problems.push(`thresholds.${(err as Error).message}`);
    }
  }
  for (const service of s.drill?.kill ?? []) {
    const n = s.stack.replicas[service] ?? 1;
    if (n <= s.drill!.replica) problems.push(`drill.kill: ${service} has ${n} replica(s) (stack.replicas), so there is no replica ${s.drill!.replica} to kill`);
  }
  if (s.drill && s.drill.at + s.drill.restartAfter >= totalDuration(s.load)) problems.push('drill: at + restartAfter must fall within the load');
  if (problems.length) throw new ScenarioError(file, problems);
  return { ...s, name: path.basename(file, '.yaml'), file, rpc: rpc!, thresholds };
}

export function listScenarios(): string[] {
  return existsSync(SCENARIOS_DIR)
    ? readdirSync(SCENARIOS_DIR)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => f.slice(0, -5))
        .sort()
    : [];
}
