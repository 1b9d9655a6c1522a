import { createLogger, errorFields, type Logger, type LogLevel } from '../shared/logger.js';

/**
 * A promise nobody awaited that rejects, or an exception nobody caught, is logged with its
 * cause chain (errorFields) instead of ending the process with a bare stack on stderr.
 * A rejection is a lost error, not a broken process: it is logged and the process goes on.
 * An uncaught exception may have left state half-changed: it is logged and the process
 * exits with 70 (EX_SOFTWARE); under `nox up` the child is then started again.
 */
export function installCrashHandlers(logger: Logger = createLogger({ level: (process.env.NOX_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info') as LogLevel, base: { component: 'process' } })): () => void {
  const onRejection = (reason: unknown): void => {
    logger.error('unhandled promise rejection (the process goes on)', errorFields(reason));
  };
  const onException = (err: unknown, origin: string): void => {
    logger.error(`uncaught exception (${origin}): exiting`, errorFields(err));
    process.exitCode = 70;
    // let the log line reach stderr before the process ends
    setImmediate(() => process.exit(70));
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
