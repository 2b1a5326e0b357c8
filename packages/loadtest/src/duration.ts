const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** "250ms", "10s", "2m" → milliseconds; undefined when it does not parse. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)\s*$/.exec(text);
  return m ? Number(m[1]) * UNITS[m[2]!]! : undefined;
}

/** Milliseconds as ghz writes durations ("1500ms"). */
export const ghzDuration = (ms: number): string => `${Math.round(ms)}ms`;
