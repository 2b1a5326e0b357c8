import { Writable } from 'node:stream';
import pino from 'pino';
import { createRequestLog, lazyChild } from './logger';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

describe('request log', () => {
  afterEach(() => jest.useRealTimers());

  it('logs every failure, and of successful calls at most N per method each second, saying how many it left out', () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00.000Z') });
    const { lines, logger } = capture();
    const log = createRequestLog(2);
    for (let i = 0; i < 5; i++) log({ logger }, '/a', { code: 'OK', ms: 1 }, true);
    log({ logger }, '/b', { code: 'OK', ms: 1 }, true);
    log({ logger }, '/a', { code: 'NOT_FOUND', ms: 1 }, false, new Error('no such order'));
    jest.setSystemTime(new Date('2026-01-01T00:00:01.000Z'));
    log({ logger }, '/a', { code: 'OK', ms: 1 }, true);
    expect(lines.map((l) => [l.msg, l.code, l.unlogged, l.err])).toEqual([
      ['rpc', 'OK', undefined, undefined],
      ['rpc', 'OK', undefined, undefined],
      ['rpc', 'OK', undefined, undefined], // /b has its own allowance
      ['rpc failed', 'NOT_FOUND', undefined, 'no such order'],
      ['rpc', 'OK', 3, undefined],
    ]);
  });

  it('makes a call’s child logger only when something logs through it', () => {
    const { lines, logger } = capture();
    let made = 0;
    const ctx = lazyChild({ method: '/a' }, logger, () => (made++, { request_id: 'r1' }));
    expect(made).toBe(0);
    createRequestLog(0)(ctx, '/a', { code: 'OK', ms: 1 }, true);
    expect(made).toBe(0);
    ctx.logger.info('hello');
    ctx.logger.info('again');
    expect(made).toBe(1);
    expect(lines.map((l) => [l.msg, l.request_id])).toEqual([
      ['hello', 'r1'],
      ['again', 'r1'],
    ]);
  });
});
