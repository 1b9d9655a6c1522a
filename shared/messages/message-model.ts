import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ID_PATTERN } from '../ids.js';
import { traceCarrier } from '../tracing/tracing.js';
import type { PriorityName } from '../types.js';

/**
 * A message (the seed's Message): something a principal sends to agents.
 *
 * - `from`: `agent:<id>`, `user:<name>` or `system`;
 * - `to`: an agent id (direct), `all` (broadcast) or `topic:<name>` (the topic's subscribers);
 * - `message_type`: what kind of message it is, said in the turn the agent receives
 *   (`text`, `request`, `response`, `notification`, `task`, ...);
 * - `priority`: critical | high | normal | low, mapped to BullMQ priorities and to the order
 *   an inbox is delivered in.
 * Ids travel in Redis keys, BullMQ job ids and the user line's `uuid`, so they are plain.
 */
export const MESSAGE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
export const TOPIC_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const MESSAGE_PRIORITIES = ['critical', 'high', 'normal', 'low'] as const satisfies readonly PriorityName[];

export const messageIdSchema = z.string().regex(MESSAGE_ID_PATTERN, `must match ${MESSAGE_ID_PATTERN.source}`);
export const topicSchema = z.string().regex(TOPIC_PATTERN, `must match ${TOPIC_PATTERN.source}`);
export const recipientSchema = z.union([
  z.literal('all'),
  z.string().regex(ID_PATTERN, `an agent id (${ID_PATTERN.source}), "all" or "topic:<name>"`),
  z.string().regex(new RegExp(`^topic:${TOPIC_PATTERN.source.slice(1)}`), 'topic:<name>'),
]);
export const senderSchema = z.string().regex(/^(system|user:[A-Za-z0-9_.@-]{1,64}|agent:[a-z0-9][a-z0-9-]{0,62})$/, 'system, user:<name> or agent:<id>');

export const messageSchema = z
  .object({
    id: messageIdSchema,
    from: senderSchema,
    to: recipientSchema,
    message_type: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a lowercase word (text, request, notification, task...)'),
    content: z.string().min(1).max(100_000),
    priority: z.enum(MESSAGE_PRIORITIES),
    /** ISO time the API accepted it */
    timestamp: z.string(),
    metadata: z.record(z.string(), z.unknown()).default({}),
    /** the W3C trace context of the request that sent it (tracing on): its delivery and turn join that trace */
    trace: z.record(z.string(), z.string()).optional(),
  })
  .strict();
export type Message = z.output<typeof messageSchema>;

/** What a sender gives; the rest is filled in by `newMessage`. */
export const messageInputSchema = z
  .object({
    /** an idempotency key: the same id is routed and delivered once */
    id: messageIdSchema.optional(),
    to: recipientSchema,
    message_type: messageSchema.shape.message_type.default('text'),
    content: messageSchema.shape.content,
    priority: z.enum(MESSAGE_PRIORITIES).default('normal'),
    metadata: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type MessageInput = z.input<typeof messageInputSchema>;

export function newMessage(input: z.output<typeof messageInputSchema>, from: string, now = new Date()): Message {
  const trace = traceCarrier();
  return { id: input.id ?? `m-${randomUUID()}`, from, to: input.to, message_type: input.message_type, content: input.content, priority: input.priority, timestamp: now.toISOString(), metadata: input.metadata, ...(trace ? { trace } : {}) };
}

export type Addressing = { kind: 'direct'; agentId: string } | { kind: 'broadcast' } | { kind: 'topic'; topic: string };

export function addressingOf(to: string): Addressing {
  if (to === 'all') return { kind: 'broadcast' };
  if (to.startsWith('topic:')) return { kind: 'topic', topic: to.slice('topic:'.length) };
  return { kind: 'direct', agentId: to };
}

/** The agent id of a sender, when an agent sent it. */
export function senderAgent(from: string): string | undefined {
  return from.startsWith('agent:') ? from.slice('agent:'.length) : undefined;
}
