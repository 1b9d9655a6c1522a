import cluster, { type Worker } from 'node:cluster';
import { CONFIG_ERROR_EXIT, decideRestart } from './child-restarts.js';
import { onShutdownSignal } from './signals.js';

/**
 * `nox api --workers N` (N > 1): this process is a node:cluster primary that only forks and
 * watches N worker processes; each worker is a whole API node (api/server.ts: its own Redis
 * connections, stream tail, verified-token and revocation memory, rate-limit leases), as
 * several `nox api` behind a load balancer are, and they share the listening port (the
 * primary hands out connections round-robin). Socket.IO runs WebSocket only in a worker
 * (docs/API.md, "Live events"): a long-polling session spans several HTTP requests, which
 * round-robin would scatter over workers that do not know it.
 *
 * A worker that dies is started again with the backoff of `nox up` (bin/child-restarts.ts);
 * one that exits with a configuration error (exit code 2) stops the primary with that code.
 * SIGTERM/SIGINT stop every worker (each finishes its requests) and then the primary. Only
 * the primary escalates (bin/signals.ts): a worker ignores the copy of a group-wide signal
 * the primary forwards; the primary kills a worker still stopping after STOP_DEADLINE_MS,
 * and all of them at once on a second signal.
 */
const out = (line: string): void => void process.stderr.write(`${line}\n`);

/** how long a stopping worker may take to finish its requests before the primary kills it */
const STOP_DEADLINE_MS = 30_000;

export function runApiPrimary(count: number): Promise<void> {
  let stopping = false;
  const deaths = new Map<number, number[]>();
  const timers = new Set<NodeJS.Timeout>();

  const fork = (slot: number): Worker => {
    const worker = cluster.fork({ NOX_API_WORKER: String(slot) });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      const decision = decideRestart(deaths.get(slot) ?? (deaths.set(slot, []).get(slot) as number[]), Date.now(), code);
      if (!decision.restart) {
        out(`nox api worker ${slot} exited: ${decision.why}; stopping`);
        void stopAll(code === CONFIG_ERROR_EXIT ? CONFIG_ERROR_EXIT : 1);
        return;
      }
      out(`nox api worker ${slot} (pid ${worker.process.pid}) exited (${signal ?? code}); starting it again${decision.delayMs ? ` in ${decision.delayMs} ms` : ''}`);
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!stopping) fork(slot);
      }, decision.delayMs);
      timers.add(timer);
    });
    return worker;
  };

  const stopAll = async (code: number): Promise<never> => {
    stopping = true;
    for (const t of timers) clearTimeout(t);
    await Promise.all(
      Object.values(cluster.workers ?? {}).map(
        (w) =>
          new Promise<void>((resolve) => {
            if (!w || w.isDead()) return resolve();
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM');
            setTimeout(() => w.process.kill('SIGKILL'), STOP_DEADLINE_MS).unref();
          }),
      ),
    );
    process.exit(code);
  };

  for (let slot = 1; slot <= count; slot++) fork(slot);
  out(`nox api: ${count} worker processes (pid ${process.pid} is the primary)`);
  const killAll = (): void => {
    for (const w of Object.values(cluster.workers ?? {})) if (w && !w.isDead()) w.process.kill('SIGKILL');
  };
  onShutdownSignal(() => stopAll(0), { exitNow: killAll });
  return new Promise<void>(() => undefined);
}
