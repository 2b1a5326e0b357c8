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
