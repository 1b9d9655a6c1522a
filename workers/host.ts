import os from 'node:os';
import type { Worker } from 'bullmq';
import { deregisterHost, registerHost } from '../shared/hosts/host-directory.js';
import { HOST_EVENT } from '../shared/hosts/host-events.js';
import { errorFields, type Logger } from '../shared/logger.js';
import { JOB } from '../shared/queues/jobs.js';
import { closeWorker, createWorker } from '../shared/queues/queue-factory.js';
import type { NoxContext } from '../shared/runtime/context.js';
import { noxVersion } from '../shared/runtime/version.js';
import type { LoopHealth } from '../shared/types.js';
import { hostAuthOf } from './host-credential/agent-token-source.js';
import { handlePing } from './ping.js';
import { loopHealth } from './runtime/loop-health.js';
import { startHeartbeat, type Heartbeat } from './heartbeat.js';
import { assertHostIdFree, defaultHostId } from './host-identity.js';
import { makeProcessor, type JobHandlers } from './job-router.js';
import { startPeerMonitor, type PeerMonitor } from './peer-monitor.js';

/**
 * A worker host: registers itself, heartbeats, consumes the shared queues and its own
 * `host.<id>` queue, and shuts down within a deadline (BullMQ's close() has none: it
 * waits for active jobs forever).
 */
export interface WorkerHostOptions {
  /** shared queues this host consumes, with the handlers for their job names */
  sharedQueues?: Readonly<Record<string, JobHandlers>>;
  /** jobs in flight per shared queue, where it differs from `worker.concurrency` */
  concurrency?: Readonly<Record<string, number>>;
  /** handlers for the host's own queue (added to the built-in `ping`) */
  hostHandlers?: JobHandlers;
  /** called when the host has stopped taking jobs, before it deregisters */
  beforeDeregister?: () => Promise<void>;
  /** how many units of capacity are in use (agents running), for the heartbeat */
  running?: () => number;
  /**
   * The host's background loops for health checks (`/api/system/health`), published with
   * every heartbeat; the host adds its own peer monitor.
   */
  loops?: () => Record<string, LoopHealth>;
  /** this host was the one to see `hostId` stop heartbeating (once per dead host): fail its work over */
  onHostDown?: (hostId: string) => Promise<void>;
}

export interface WorkerHost {
  readonly id: string;
  readonly logger: Logger;
  readonly heartbeat: Heartbeat;
  readonly peers: PeerMonitor;
  readonly workers: ReadonlyMap<string, Worker>;
  /** aborted when shutdown passes its grace period */
  readonly signal: AbortSignal;
  close(): Promise<void>;
}

export async function startWorkerHost(ctx: NoxContext, options: WorkerHostOptions = {}): Promise<WorkerHost> {
  const cfg = ctx.config.worker;
  const id = cfg.host_id ?? defaultHostId();
  const logger = ctx.logger.child({ component: 'worker-host', hostId: id });
  const abort = new AbortController();
  const running = options.running ?? (() => 0);

  await assertHostIdFree(ctx.redis, ctx.keys, id);
  await registerHost(
    ctx.redis,
    ctx.keys,
    { id, hostname: os.hostname(), pid: process.pid, capacity: cfg.capacity, labels: cfg.labels, version: noxVersion(), ...hostAuthOf(ctx.config) },
    cfg.heartbeat_ttl_ms,
  );

  const workers = new Map<string, Worker>();
  const base = { ctx, hostId: id, signal: abort.signal };
  const consume = (queue: string, handlers: JobHandlers, concurrency: number): void => {
    const qlog = logger.child({ queue });
    const processor = makeProcessor(queue, handlers, { ...base, logger: qlog });
    workers.set(queue, createWorker(queue, processor, ctx.connect('blocking', `worker:${queue}`), ctx.keys, qlog, { concurrency, lockDuration: cfg.job_lock_ms, stalledInterval: cfg.job_lock_ms }));
  };

  consume(ctx.keys.hostQueue(id), { [JOB.ping]: handlePing, ...options.hostHandlers }, cfg.concurrency);
  for (const [queue, handlers] of Object.entries(options.sharedQueues ?? {})) consume(queue, handlers, options.concurrency?.[queue] ?? cfg.concurrency);

  let peers: PeerMonitor | undefined;
  const heartbeat = startHeartbeat(ctx, id, running, () => ({ ...(peers ? { 'peer-monitor': loopHealth(peers) } : {}), ...options.loops?.() }));
  peers = startPeerMonitor(ctx, id, options.onHostDown);
  await ctx.events.publish({ type: HOST_EVENT.up, hostId: id, data: { hostname: os.hostname(), pid: process.pid, capacity: cfg.capacity } });
  logger.info('worker host started', { queues: [...workers.keys()], capacity: cfg.capacity });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= shutdown();
    return closing;
  };

  const shutdown = async (): Promise<void> => {
    const deadline = cfg.shutdown_timeout_ms;
    logger.info('worker host stopping', { deadlineMs: deadline });
    heartbeat.stop();
    peers?.stop();
    // close() stops fetching at once and waits for active jobs; past 80% of the deadline
    // the handlers are told to stop, which hands their jobs back to the queue.
    // (closeWorker: a worker made moments ago, by a start this stop cut short, first finishes connecting)
    const graceful = Promise.allSettled([...workers.values()].map((w) => closeWorker(w)));
    const abortTimer = setTimeout(() => abort.abort(new Error('host shutting down')), Math.floor(deadline * 0.8));
    const finished = await Promise.race([graceful.then(() => true), delay(deadline).then(() => false)]);
    clearTimeout(abortTimer);
    if (!finished) {
      logger.warn('shutdown deadline passed; forcing workers closed');
      await Promise.allSettled([...workers.values()].map((w) => w.close(true)));
    }
    try {
      await options.beforeDeregister?.();
      await deregisterHost(ctx.redis, ctx.keys, id);
      await ctx.events.publish({ type: HOST_EVENT.stopped, hostId: id, data: { clean: finished } });
    } catch (err) {
      logger.warn('could not deregister', errorFields(err));
    }
    logger.info('worker host stopped', { clean: finished });
  };

  return { id, logger, heartbeat, peers, workers, signal: abort.signal, close };
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
