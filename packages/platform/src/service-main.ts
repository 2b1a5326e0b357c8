import { ConfigError } from './config';
import type { RunningService } from './service-runtime';

/** What a service process tells the parent that started it (npm start, test stacks) once it serves. */
export interface ReadyMessage {
  type: 'foodmesh.ready';
  ports: Record<string, number>;
}

export const isReadyMessage = (m: unknown): m is ReadyMessage =>
  typeof m === 'object' && m !== null && (m as ReadyMessage).type === 'foodmesh.ready' && typeof (m as ReadyMessage).ports === 'object';

/**
 * The whole of a service's main.ts: starts it; when a parent supervises it over an IPC channel,
 * reports the ports it bound (a service given port 0 takes what the OS hands out, so nothing can
 * take the port between choosing and binding it); a failed start exits 1 with the reason.
 */
export function runMain(start: () => Promise<RunningService>): void {
  Promise.resolve()
    .then(start)
    .then(
      (running) => {
        if (!process.send) return;
        const ready: ReadyMessage = { type: 'foodmesh.ready', ports: running.ports };
        process.send(ready);
        process.channel?.unref(); // the channel alone must not keep a stopped service alive
      },
      (err: unknown) => {
        // A bad environment is the operator's to fix: its message names every variable; no stack.
        console.error(err instanceof ConfigError ? err.message : err);
        process.exit(1);
      },
    );
}
