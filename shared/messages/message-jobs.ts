import type { JobEnvelope } from '../queues/jobs.js';
import type { Message } from './message-model.js';

/**
 * Jobs of the messaging area:
 * - `message.route` (shared `messages` queue): resolve recipients, put the message in each
 *   recipient's durable inbox, log it, and wake the owning hosts;
 * - `message.route-batch` (same queue): the same for every message of a batch, in order;
 * - `message.deliver` (a host's own queue): the agent has mail; deliver it between turns.
 */
export const MESSAGE_JOB = {
  route: 'message.route',
  routeBatch: 'message.route-batch',
  deliver: 'message.deliver',
} as const;

export interface RouteMessageJob extends JobEnvelope {
  message: Message;
}

/**
 * Many messages routed by one job: those of one request (`POST /api/messages/batch`), or
 * single sends that arrived together, gathered by the API (`route-gatherer.ts`): then each
 * message keeps the envelope of its own request (`envelopes[i]` for `messages[i]`).
 */
export interface RouteBatchJob extends JobEnvelope {
  messages: Message[];
  envelopes?: JobEnvelope[];
}

export interface DeliverJob extends JobEnvelope {
  agentId: string;
}

export const MESSAGE_EVENT = {
  sent: 'message.sent',
  queued: 'message.queued',
  delivered: 'message.delivered',
} as const;
