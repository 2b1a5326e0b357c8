import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ephemeralRange, reservePort } from '../src/util';

const lockOf = (port: number) => path.join(tmpdir(), 'foodmesh-ports', String(port));

describe('reservePort', () => {
  it('hands out distinct ports below the ephemeral range, each locked to this process until released', async () => {
    const [ephemeralLow] = ephemeralRange();
    const reservations = await Promise.all(Array.from({ length: 20 }, () => reservePort()));
    try {
      const ports = reservations.map((r) => r.port);
      expect(new Set(ports).size).toBe(ports.length);
      for (const p of ports) {
        expect(p).toBeLessThan(ephemeralLow);
        expect(readFileSync(lockOf(p), 'utf8')).toBe(String(process.pid));
      }
    } finally {
      reservations.forEach((r) => r.release());
    }
    for (const r of reservations) expect(existsSync(lockOf(r.port))).toBe(false);
  });

  it('hands out a port that a server can bind at once', async () => {
    const r = await reservePort();
    try {
      const srv = createServer();
      await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(r.port, '127.0.0.1', resolve));
      await new Promise((resolve) => srv.close(resolve));
    } finally {
      r.release();
    }
  });
});
