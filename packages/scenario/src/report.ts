/** Prints steps as they run and counts them; a flow stops at its first failure. */
export class Report {
  passed = 0;
  failed = 0;
  /** `step: reason` of every failed step. */
  readonly failures: string[] = [];
  private aborted = false;

  constructor(private readonly out: (line: string) => void = (l) => console.log(l)) {}

  section(title: string): void {
    this.aborted = false;
    this.out(`\n${title}`);
  }

  /** Runs one step; its returned lines are printed under it. */
  async step(title: string, fn: () => Promise<string[] | string | void>): Promise<void> {
    if (this.aborted) {
      this.out(`  - ${title} (skipped: an earlier step of this flow failed)`);
      return;
    }
    try {
      const detail = await fn();
      this.passed++;
      this.out(`  ✓ ${title}`);
      for (const line of [detail ?? []].flat()) this.out(`      ${line}`);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.failed++;
      this.failures.push(`${title}: ${reason}`);
      this.aborted = true;
      this.out(`  ✗ ${title}`);
      this.out(`      ${reason}`);
    }
  }

  summary(): string {
    return `${this.passed} passed, ${this.failed} failed`;
  }
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Polls until `fn` returns a value (not undefined), or fails with the last reason. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = `: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
