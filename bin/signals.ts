/**
 * Runs `stop` once on the first SIGINT or SIGTERM; a second signal exits at once (the
 * person pressing Ctrl-C twice means it). A child of `nox up` (which has an IPC channel
 * to it) also stops when its parent goes away, so no orphan outlives `nox up`.
 */
export function onShutdownSignal(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`\n${signal} again: exiting now\n`);
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
