import type { JobEnvelope } from '../queues/jobs.js';
import type { Message } from './message-model.js';

/**
 * Jobs of the messaging area:
 * - `message.route` (shared `messages` queue): resolve recipients, put the message in each
 *   recipient's durable inbox, log it, and wake the owning hosts;
 * - `message.deliver` (a host's own queue): the agent has mail; deliver it between turns.
 */
export const MESSAGE_JOB = {
  route: 'message.route',
  deliver: 'message.deliver',
} as const;

export interface RouteMessageJob extends JobEnvelope {
  message: Message;
}

export interface DeliverJob extends JobEnvelope {
  agentId: string;
}

export const MESSAGE_EVENT = {
  sent: 'message.sent',
  queued: 'message.queued',
  delivered: 'message.delivered',
} as const;
