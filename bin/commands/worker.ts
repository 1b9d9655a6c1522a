import type { LoadConfigOptions } from '../../shared/config/load-config.js';
import { errorFields } from '../../shared/logger.js';
import { startNoxWorker, WorkerStartStopped } from '../../workers/worker-assembly.js';
import { joinWithCredential } from '../../workers/host-credential/host-join.js';
import { startTracing } from '../../shared/tracing/start-tracing.js';
import { files } from '../../shared/registry/layout.js';
import { readsFromRedis, registryClientFor } from '../../shared/registry/registry-client.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { configOrExit } from '../boot.js';
import { contextFor } from '../context-boot.js';
import { onShutdownSignal } from '../signals.js';

/**
 * `nox worker`: one worker host with every role (workers/worker-assembly.ts), plus the
 * registry writer with `--registry-writer`. This file keeps what belongs to the process:
 * the exit code of a failed start, of a host credential lost (3), and the signals that stop it.
 */
export const CREDENTIAL_LOST_EXIT = 3;

export async function runWorker(options: { registryWriter?: boolean } = {}): Promise<void> {
  // before the context: its queues and workers are made with the tracing switch as it is then
  const stopTracing = startTracing('nox-worker');
  const writer = options.registryWriter === true;
  let ctx: NoxContext;
  try {
    ctx = await hostContext(writer);
  } catch (err) {
    process.stderr.write(`nox worker: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const stopStart = new AbortController();
  const starting = startNoxWorker(ctx, {
    registryWriter: writer,
    signal: stopStart.signal,
    onCredentialLost: (reason) => {
      process.stderr.write(`nox worker: ${reason}: this host stopped taking work\n`);
      process.exit(CREDENTIAL_LOST_EXIT);
    },
  });
  // listened for from the start: the host takes jobs (and logs "worker host started")
  // before its last roles are up, and a SIGTERM in that window must still stop it cleanly:
  // the start goes no further, stops what it started, and only then the context closes
  onShutdownSignal(async () => {
    stopStart.abort();
    const worker = await starting.catch(() => undefined);
    await worker?.stop();
    await ctx.close();
    await stopTracing?.();
  });
  try {
    await starting;
  } catch (err) {
    if (err instanceof WorkerStartStopped) return; // the signal handler closes and exits
    ctx.logger.error('worker host failed to start', errorFields(err));
    process.stderr.write(`${(err as Error).message}\n`);
    await ctx.close();
    process.exit(1);
  }
}

/**
 * The context the host runs with. A host on another machine (it reads the registry from
 * Redis, docs/HOSTS.md) runs with the registry's system-config.toml as the writer published
 * it — less secrets and what each machine sets for itself — under its own environment and
 * secrets file: it waits for the writer's first publication (the mirror logs that it waits).
 *
 * A host started with a host credential (`NOX_HOST_TOKEN`; docs/HOSTS.md, "Joining a host")
 * then joins through the API (the URL its agents use, from that config) and runs as the host
 * the credential is for: its id, its labels when the credential names some, and no signing
 * key even if one was given (agent tokens come from the API). A credential the API refuses
 * ends the start.
 */
async function hostContext(writer: boolean): Promise<NoxContext> {
  const first = contextFor('worker');
  let options: LoadConfigOptions = {};
  if (!writer && readsFromRedis(first)) {
    const registry = registryClientFor(first);
    await registry.ready();
    const text = registry.text(files.systemConfig());
    if (text !== undefined) options = { published: { text, source: 'system-config.toml as the registry writer published it' } };
    first.logger.info('config: system-config.toml from the registry writer (less secrets, [redis] and [worker])', { found: text !== undefined });
  }
  const config = options.published ? configOrExit(options) : first.config;
  if (config.worker.host_token) {
    const joined = await joinWithCredential(config, first.logger).catch(async (err: unknown) => {
      await first.close();
      throw err;
    });
    if (config.auth.jwt_secret !== undefined) first.logger.warn('auth.jwt_secret given to a host with a host credential: not used, not kept (agent tokens come from the API)');
    options = { ...options, overrides: { 'worker.host_id': joined.hostId, ...(joined.labels ? { 'worker.labels': joined.labels } : {}), 'auth.jwt_secret': undefined } };
  }
  if (!options.published && !options.overrides) return first;
  await first.close();
  return contextFor('worker', options);
}
