import type { JobsOptions } from 'bullmq';
import { priorityOf } from '../queues/priority.js';
import type { NoxContext } from '../runtime/context.js';
import { createHash } from 'node:crypto';
import { PRIORITY } from '../queues/priority.js';
import { MESSAGE_JOB, type RouteBatchJob, type RouteMessageJob } from './message-jobs.js';
import type { Message } from './message-model.js';

/**
 * Hands a message to the `messages` queue. The job id is the message id, so sending the
 * same message twice routes it once; the job's priority is the message's.
 */
export async function enqueueMessage(ctx: NoxContext, message: Message, envelope: { correlationId: string; requestedBy: string }): Promise<void> {
  const job = routeJobOf(message, envelope);
  await ctx.queue('messages').add(job.name, job.data, job.opts);
}

/** The `messages` queue's job that routes one message: its id is the message's, so the same message is never routed twice. */
export function routeJobOf(message: Message, envelope: { correlationId: string; requestedBy: string }): { name: string; data: RouteMessageJob; opts: JobsOptions } {
  return { name: MESSAGE_JOB.route, data: { ...envelope, message }, opts: { jobId: `route.${message.id}`, priority: priorityOf(message.priority) } };
}

/**
 * Hands a batch of messages to the `messages` queue as one job, with the priority of its
 * most urgent message. The job id is derived from the message ids, so sending the same batch
 * twice routes it once; routing is idempotent per message anyway (inbox and log).
 */
export async function enqueueBatch(ctx: NoxContext, messages: Message[], envelope: { correlationId: string; requestedBy: string }): Promise<string> {
  const data: RouteBatchJob = { ...envelope, messages };
  const digest = createHash('sha256').update(messages.map((m) => m.id).join('\n')).digest('hex').slice(0, 32);
  const priority = Math.min(...messages.map((m) => PRIORITY[m.priority]));
  const job = await ctx.queue('messages').add(MESSAGE_JOB.routeBatch, data, { jobId: `route-batch.${digest}`, priority });
  return job.id as string;
}
