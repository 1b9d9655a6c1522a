import { ERROR_CODE } from '../shared/errors/codes.js';
import { NotFoundError } from '../shared/errors/not-found-error.js';
import { NoLiveHostError } from '../shared/errors/service-errors.js';
import { liveHosts } from '../shared/hosts/host-directory.js';
import { JOB, type PingJob, type PongEventData, SYSTEM_EVENT } from '../shared/queues/jobs.js';
import { PRIORITY } from '../shared/queues/priority.js';
import type { ApiDeps } from './deps.js';

/**
 * One round trip through every layer: the API enqueues a `ping` job on a live host's own
 * queue, the host answers with a `system.pong` event on the stream, and this node's
 * tailer hands it back to the waiting request.
 */
export interface PingResult {
  hostId: string;
  jobId: string;
  correlationId: string;
  timings: {
    /** API → job started on the host (queue wait + pickup) */
    queueMs: number;
    /** handler time on the host */
    handlerMs: number;
    /** host finished → event seen by this API node */
    eventMs: number;
    /** whole round trip as the API saw it */
    totalMs: number;
  };
}

export async function pingHost(
  deps: ApiDeps,
  options: { hostId?: string; correlationId: string; requestedBy: string; workMs?: number },
): Promise<PingResult> {
  const { ctx, waiters } = deps;
  const hosts = await liveHosts(ctx.redis, ctx.keys);
  if (hosts.length === 0) throw new NoLiveHostError();
  const host = options.hostId ? hosts.find((h) => h.id === options.hostId) : hosts[Math.floor(Math.random() * hosts.length)];
  if (!host) throw new NotFoundError(`No live host "${options.hostId}"`, ERROR_CODE.hostNotFound);

  const sentAt = Date.now();
  // Wait first, then enqueue: the pong cannot arrive before the waiter exists.
  const pong = waiters.waitFor(SYSTEM_EVENT.pong, options.correlationId, ctx.config.api.ping_timeout_ms);
  pong.catch(() => undefined);
  const data: PingJob = { correlationId: options.correlationId, requestedBy: options.requestedBy, sentAt, workMs: options.workMs };
  const job = await ctx.queue(ctx.keys.hostQueue(host.id)).add(JOB.ping, data, {
    priority: PRIORITY.high,
    attempts: 1,
    removeOnComplete: { count: 100 },
    removeOnFail: { count: 100 },
  });
  const event = await pong;
  const receivedAt = Date.now();
  const d = event.data as PongEventData;
  return {
    hostId: d.hostId,
    jobId: job.id ?? d.jobId,
    correlationId: options.correlationId,
    timings: {
      queueMs: d.startedAt - sentAt,
      handlerMs: d.finishedAt - d.startedAt,
      eventMs: receivedAt - d.finishedAt,
      totalMs: receivedAt - sentAt,
    },
  };
}
