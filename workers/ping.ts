import type { Job } from 'bullmq';
import type { PingJob, PongEventData } from '../shared/queues/jobs.js';
import { SYSTEM_EVENT } from '../shared/queues/jobs.js';
import { sleep, type HandlerEnv } from './job-router.js';

/**
 * Answers a ping with a `system.pong` event carrying the timings. Running it twice
 * publishes two pongs for one correlation id; the API takes the first, so a retry is
 * harmless.
 */
export async function handlePing(job: Job<PingJob>, env: HandlerEnv): Promise<PongEventData> {
  const startedAt = Date.now();
  if (job.data.workMs) await sleep(job.data.workMs, env.signal);
  const data: PongEventData = {
    jobId: job.id ?? '',
    hostId: env.hostId,
    sentAt: job.data.sentAt,
    startedAt,
    finishedAt: Date.now(),
  };
  await env.ctx.events.publish({
    type: SYSTEM_EVENT.pong,
    hostId: env.hostId,
    correlationId: job.data.correlationId,
    data,
  });
  return data;
}
