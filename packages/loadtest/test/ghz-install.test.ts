import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureGhz } from '../src/ghz';

describe('installing ghz', () => {
  it('says how to install it when Go is missing, before any load', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'foodmesh-ghz-'));
    // A PATH with only what the script needs besides Go (wherever Go is installed on this machine).
    const tools = path.join(dir, 'path');
    mkdirSync(tools);
    for (const t of ['bash', 'cat', 'dirname', 'mkdir'])
      symlinkSync(execFileSync('bash', ['-c', `command -v ${t}`], { encoding: 'utf8' }).trim(), path.join(tools, t));
    const attempt = () => ensureGhz(() => undefined, { ...process.env, PATH: tools, GHZ_BIN_DIR: path.join(dir, 'bin') });
    expect(attempt).toThrow(
      'ghz is not available: ghz: Go is required to build ghz (from the Go module proxy); install Go, then run: go install github.com/bojand/ghz/cmd/ghz@v0.121.0',
    );
  });

  it('finds the pinned ghz once it is built', () => {
    expect(ensureGhz()).toMatch(/\.foodmesh\/bin\/ghz$/);
  });
});
