import { priorityOf } from '../queues/priority.js';
import type { NoxContext } from '../runtime/context.js';
import { MESSAGE_JOB, type RouteMessageJob } from './message-jobs.js';
import type { Message } from './message-model.js';

/**
 * Hands a message to the `messages` queue. The job id is the message id, so sending the
 * same message twice routes it once; the job's priority is the message's.
 */
export async function enqueueMessage(ctx: NoxContext, message: Message, envelope: { correlationId: string; requestedBy: string }): Promise<void> {
  const data: RouteMessageJob = { ...envelope, message };
  await ctx.queue('messages').add(MESSAGE_JOB.route, data, { jobId: `route.${message.id}`, priority: priorityOf(message.priority) });
}
