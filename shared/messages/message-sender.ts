import type { JobsOptions } from 'bullmq';
import { priorityOf } from '../queues/priority.js';
import type { JobEnvelope } from '../queues/jobs.js';
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
  const job = routeBatchJobOf(messages, envelope);
  const added = await ctx.queue('messages').add(job.name, job.data, job.opts);
  return added.id as string;
}

/**
 * The `messages` queue's job that routes several messages in order: its id is derived from
 * the message ids (the same batch is routed once), its priority the most urgent message's.
 * `envelopes`, when given, are each message's own (single sends gathered into one job).
 */
export function routeBatchJobOf(messages: Message[], envelope: JobEnvelope, envelopes?: JobEnvelope[]): { name: string; data: RouteBatchJob; opts: JobsOptions } {
  const data: RouteBatchJob = { correlationId: envelope.correlationId, requestedBy: envelope.requestedBy, messages, ...(envelopes ? { envelopes } : {}) };
  const digest = createHash('sha256').update(messages.map((m) => m.id).join('\n')).digest('hex').slice(0, 32);
  const priority = Math.min(...messages.map((m) => PRIORITY[m.priority]));
  return { name: MESSAGE_JOB.routeBatch, data, opts: { jobId: `route-batch.${digest}`, priority } };
}
