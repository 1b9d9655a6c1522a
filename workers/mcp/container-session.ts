import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { errorFields, type Logger } from '../../shared/logger.js';
import { attachContainer, type AttachedStreams } from './engine/attach.js';
import { buildContainerSpec, containerName } from './engine/container-spec.js';
import { createContainer, startContainer, stopAndRemove } from './engine/containers.js';
import type { Engine } from '../../shared/mcp/engine.js';
import { watchExit, type ExitWatch } from './engine/exit-watch.js';
import { inspectImage } from '../../shared/mcp/images.js';
import { assertNetworkAllowed } from './engine/network-policy.js';
import type { SessionOwner } from './engine/labels.js';
import type { McpRunSpec } from '../../shared/mcp/run-spec.js';

/**
 * One MCP service session: one container, created for one agent connection and piped to
 * it, like `docker run -i --rm`. The worker host runs it (the agent's endpoint hands it the
 * connection), so the engine's address and the service's secrets never reach the agent.
 * It creates the container (container-spec.ts gives the isolation), attaches before
 * starting it so no byte is lost, then pipes bytes both ways without looking at them
 * (JSON-RPC passes through untouched). The container's stderr goes to our logs, line by
 * line; `output` carries JSON-RPC only.
 *
 * The session ends when `input` ends (the agent closed its side), when `stop()` is called
 * (the agent stopped, the host shuts down), when `output` breaks, or when the server exits
 * by itself. In every case: the container's stdin is closed, the server gets the grace
 * period to exit, is then stopped, and is removed after it has exited; `done` resolves
 * once it is gone. Ending `output` is the caller's (it may have more to say).
 */
export interface SessionOptions {
  engine: Engine;
  spec: McpRunSpec;
  /** the worker host process and this session's id: the container's `nox.process` / `nox.session` labels */
  owner: SessionOwner;
  logger: Logger;
  /** what the agent's MCP client writes (JSON-RPC requests) */
  input: Readable;
  /** where the server's JSON-RPC goes */
  output: Writable;
  /** env that `{ fromEnv }` references resolve against: the service's secret values, nothing more */
  sourceEnv: NodeJS.ProcessEnv;
  /** seconds between SIGTERM and SIGKILL for the container. Default 5. */
  stopTimeoutS?: number;
  /** writable /tmp size. Default 64 MiB. */
  tmpfsMb?: number;
}

export interface ContainerSession {
  /** resolves with the container id once it is created, attached and started; rejects when it could not be */
  readonly started: Promise<string>;
  /** resolves once the container is gone: `failed` when it could not be run or removed, or the server died with an error */
  readonly done: Promise<{ failed: boolean }>;
  /** ends the session: close the server's stdin, stop the container, remove it */
  stop(reason: string): Promise<{ failed: boolean }>;
}

export function startContainerSession(options: SessionOptions): ContainerSession {
  const { engine, spec, input, output } = options;
  const grace = options.stopTimeoutS ?? 5;
  const log = options.logger.child({ component: 'mcp-session', agentId: spec.agentId, mcpService: spec.service, session: options.owner.session });
  let containerId: string | undefined;
  let streams: AttachedStreams | undefined;
  let exit: ExitWatch | undefined;
  let ending: Promise<{ failed: boolean }> | undefined;
  let failed = false;
  let resolveDone!: (end: { failed: boolean }) => void;
  const done = new Promise<{ failed: boolean }>((r) => (resolveDone = r));

  // Set below; finish() waits for the start sequence to settle so that a container created
  // while we were already ending is still found and removed.
  let startSettled: Promise<unknown> = Promise.resolve();

  const finish = (reason: string): Promise<{ failed: boolean }> => {
    ending ??= (async () => {
      log.info('session ending', { reason });
      await startSettled;
      input.unpipe();
      if (containerId) {
        try {
          // Ask politely first: EOF on its stdin is how a stdio MCP server is told to leave,
          // and it works whatever the server does with signals. Past the grace period it is
          // stopped (SIGTERM, then SIGKILL a second later), and removed once it has exited.
          streams?.stdin.end();
          const exitCode = await withTimeout(exit?.exited ?? Promise.resolve(undefined), grace * 1000);
          if (exitCode !== undefined) log.info('server exited', { containerId, exitCode });
          // A server that died on its own with an error is a failed session.
          if (reason === 'server output ended' && exitCode !== undefined && exitCode !== 0) failed = true;
          await stopAndRemove(engine, containerId, { graceSeconds: 1 });
          log.info('container removed', { containerId });
        } catch (err) {
          failed = true;
          log.error('could not remove the container; the reaper will', { containerId, ...errorFields(err) });
        }
      }
      streams?.destroy();
      exit?.cancel();
      const end = { failed };
      resolveDone(end);
      return end;
    })();
    return ending;
  };

  const started = (async () => {
    await engine.ping(); // an engine that is not there is `ERROR_CODE.engineUnavailable`, not a socket error
    const image = await inspectImage(engine, spec.image);
    await assertNetworkAllowed(engine, spec.network);
    const create = buildContainerSpec({
      spec,
      owner: options.owner,
      imageLabels: image.labels,
      sourceEnv: options.sourceEnv,
      tmpfsMb: options.tmpfsMb,
      name: containerName(spec, randomBytes(4).toString('hex')),
    });
    containerId = await createContainer(engine, create);
    log.info('container created', { containerId, image: spec.image, readOnlyRoot: create.HostConfig?.ReadonlyRootfs });
    streams = await attachContainer(engine.endpoint, containerId);
    streams.stdout.pipe(output, { end: false });
    forwardLines(streams.stderr, (line) => log.info('server stderr', { line }));
    streams.closed.then(
      () => finish('server output ended'),
      (err: unknown) => {
        failed = true;
        log.error('attach stream failed', errorFields(err));
        void finish('attach stream failed');
      },
    );
    exit = watchExit(engine.endpoint, containerId); // before start: see exit-watch.ts
    await exit.registered;
    await startContainer(engine, containerId);
    // Only now: an early EOF of the input must not close the container's stdin before it runs.
    if (input.readableEnded) streams.stdin.end();
    else input.pipe(streams.stdin);
    log.info('container started', { containerId });
    return containerId;
  })();

  startSettled = started.catch(() => undefined);
  started.catch((err: unknown) => {
    failed = true;
    log.error('could not start the MCP service container', errorFields(err));
    void finish('start failed');
  });

  input.on('end', () => void finish('input ended'));
  input.on('error', (err) => {
    log.warn('input error', errorFields(err));
    void finish('input error');
  });
  output.on('error', (err) => {
    // EPIPE / ECONNRESET: the agent's client went away without closing its side first.
    log.warn('output error', errorFields(err));
    void finish('output closed');
  });

  return { started, done, stop: (reason) => finish(reason) };
}

/** The promise's value, or undefined once `ms` have passed. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function forwardLines(stream: Readable, onLine: (line: string) => void): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(line.slice(0, 4000));
  });
  stream.on('end', () => {
    if (partial.trim()) onLine(partial.slice(0, 4000));
  });
  stream.on('error', () => undefined);
}
