import pino from 'pino';

export type Logger = pino.Logger;

/** Pino JSON logs with the service name on every line; personal data is redacted. */
export function createLogger(opts: { service: string; level?: string; version?: string }): Logger {
  return pino({
    level: opts.level ?? 'info',
    base: { service: opts.service, version: opts.version },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['*.card_number', '*.cardNumber', '*.phone', '*.token', 'authorization', '*.authorization'],
      censor: '[redacted]',
    },
  });
}

/**
 * The one line per finished call ('rpc'). Failures are always logged; successful calls at most
 * `okPerSecond` per method each second, the next logged line saying how many were left out
 * (`unlogged`): at a few calls a second every call shows, under load the log (serialising,
 * redacting and writing each line cost more than a small handler) stays a sample. Traces and
 * metrics still see every call.
 */
export const DEFAULT_REQUEST_LOG_OK_PER_SECOND = 20;

export function createRequestLog(okPerSecond: number) {
  const windows = new Map<string, { second: number; logged: number; unlogged: number }>();
  // `call.logger` is read only for a line that is written: a call's logger may be made on first use (lazyChild).
  return (call: { logger: Logger }, method: string, line: { code: string; ms: number }, ok: boolean, err?: unknown): void => {
    if (!ok) return call.logger.warn({ ...line, err: err instanceof Error ? err.message : err }, 'rpc failed');
    const second = Math.floor(Date.now() / 1000);
    let w = windows.get(method);
    if (!w) windows.set(method, (w = { second, logged: 0, unlogged: 0 }));
    if (w.second !== second) {
      w.second = second;
      w.logged = 0;
    }
    if (w.logged >= okPerSecond) {
      w.unlogged++;
      return;
    }
    w.logged++;
    call.logger.info(w.unlogged ? { ...line, unlogged: w.unlogged } : line, 'rpc');
    w.unlogged = 0;
  };
}
export type RequestLog = ReturnType<typeof createRequestLog>;

/** A call's child logger, made on first use: most calls never log, and a child costs its bindings' serialisation. */
export function lazyChild<T extends object>(target: T, parent: Logger, bindings: () => pino.Bindings): T & { logger: Logger } {
  let child: Logger | undefined;
  return Object.defineProperty(target, 'logger', { enumerable: true, get: () => (child ??= parent.child(bindings())) }) as T & { logger: Logger };
}
