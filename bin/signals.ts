import cluster from 'node:cluster';

export interface ShutdownOptions {
  /** runs just before the process exits on a second signal (a cluster primary kills its workers) */
  exitNow?: () => void;
}

/**
 * Runs `stop` once on the first SIGINT or SIGTERM; a second signal exits at once (the
 * person pressing Ctrl-C twice means it). A child of `nox up` (which has an IPC channel
 * to it) also stops when its parent goes away, so no orphan outlives `nox up`.
 *
 * Except in a worker of `nox api --workers N` (bin/api-cluster.ts): a signal sent to the
 * whole process group (Ctrl-C in a terminal, systemd's control-group kill) reaches it
 * directly and again as the primary forwards it, so a second signal there says nothing of
 * anyone's intent, and exiting on it would drop the requests in flight. Telling the forward
 * from a real second signal by timing would be a guess; instead only the primary escalates:
 * on its own second signal it kills the workers (`exitNow`) and exits, and it kills a worker
 * still stopping after its deadline. Nor is a worker left with no one to escalate: Node's
 * cluster exits a worker at once when its primary's IPC channel closes
 * (lib/internal/cluster/child.js, "primary exited").
 */
export function onShutdownSignal(stop: (signal: NodeJS.Signals) => Promise<void>, options: ShutdownOptions = {}): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals): void => {
    if (stopping) {
      if (cluster.isWorker) return;
      process.stderr.write(`\n${signal} again: exiting now\n`);
      options.exitNow?.();
      process.exit(130);
    }
    stopping = true;
    stop(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
  if (process.send) process.once('disconnect', () => handle('SIGTERM'));
}
