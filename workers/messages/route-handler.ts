import { METRIC } from '../../shared/metrics/catalogue.js';
import type { Job } from 'bullmq';
import { agentStoreFor } from '../../shared/agents/agent-store.js';
import { ownerOf } from '../../shared/agents/runtime-state.js';
import { errorFields } from '../../shared/logger.js';
import type { Inbox } from './inbox.js';
import { MESSAGE_EVENT, MESSAGE_JOB, type DeliverJob, type RouteBatchJob, type RouteMessageJob } from '../../shared/messages/message-jobs.js';
import type { JobEnvelope } from '../../shared/queues/jobs.js';
import type { MessageLog } from '../../shared/messages/message-log.js';
import { addressingOf, senderAgent, type Message } from '../../shared/messages/message-model.js';
import type { Topics } from '../../shared/messages/topics.js';
import { priorityOf } from '../../shared/queues/priority.js';
import type { RegistryClient } from '../../shared/registry/registry-client.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { HandlerEnv, JobHandler } from '../job-router.js';

/**
 * `message.route` on the shared `messages` queue: resolve the recipients (an agent, every
 * agent but the sender, or a topic's subscribers but the sender), store and index the
 * message, put it in each recipient's inbox (a no-op for one already queued or delivered,
 * so a retried job adds nothing), log it in the conversations and on the event stream, and
 * wake the host that runs each recipient. A recipient that is not running keeps the
 * message in its inbox until it starts.
 */
export interface RouteDeps {
  ctx: NoxContext;
  inbox: Inbox;
  log: MessageLog;
  topics: Topics;
  registry: RegistryClient;
  /**
   * Wakes delivery for an agent this host runs, without a job (the agent is here: a
   * `message.deliver` job would come back to this same host). False when it cannot.
   */
  wakeLocal?: (agentId: string) => boolean;
}

export async function resolveRecipients(ctx: NoxContext, topics: Topics, message: Message): Promise<string[]> {
  const address = addressingOf(message.to);
  const from = senderAgent(message.from);
  let ids: string[];
  if (address.kind === 'direct') ids = [address.agentId];
  else if (address.kind === 'topic') ids = await topics.subscribers(address.topic);
  else ids = (await agentStoreFor(ctx).list()).map((a) => a.id);
  if (address.kind !== 'direct') ids = ids.filter((id) => id !== from);
  return [...new Set(ids)].sort().slice(0, ctx.config.messages.max_recipients);
}

/**
 * Tells the host running `agentId` that it has mail; one pending wake-up per agent is enough.
 * When this host runs the agent (`wakeLocal` says so by waking it), nothing more is needed.
 */
export async function wakeOwner(ctx: NoxContext, agentId: string, data: Omit<DeliverJob, 'agentId'>, priority: number, wakeLocal?: (agentId: string) => boolean): Promise<void> {
  // an agent this host runs needs no lookup: wake it in place
  if (wakeLocal?.(agentId)) return;
  const owner = await ownerOf(ctx.redis, ctx.keys, agentId);
  if (!owner) return;
  const job: DeliverJob = { ...data, agentId };
  await ctx.queue(ctx.keys.hostQueue(owner)).add(MESSAGE_JOB.deliver, job, { priority, deduplication: { id: `deliver.${agentId}` } });
}

/** Most inbox adds a routing step sends at once; a bigger batch (broadcasts) goes in several steps, in order. */
const STEP_ADDS = 2000;

/**
 * Routes messages in order; the `message.route` and `message.route-batch` jobs both come
 * here. Per step, three rounds of Redis commands whatever the number of messages: the
 * recipients (topics, broadcasts), then the records (one SET each, one ZADD and trim per
 * index) and one add call per inbox with its share in message order, sent together (the
 * records first: one connection runs commands in the order sent, and an add is refused unless
 * the records landed before it), then the events.
 * Each recipient is woken once, right after its `message.queued` event is sent: a recipient
 * this host runs is woken in place, its delivery's commands following those events.
 */
function messageRouter(deps: RouteDeps) {
  const { ctx, inbox, log, topics, registry, wakeLocal } = deps;
  const cfg = ctx.config.messages;
  const fanOut = (m: Message): number => (addressingOf(m.to).kind === 'direct' ? 1 : cfg.max_recipients);
  const step = async (messages: readonly Message[], envelopes: readonly JobEnvelope[], firstAttempt: boolean, env: HandlerEnv): Promise<number> => {
    const recipients = await Promise.all(messages.map((m) => resolveRecipients(ctx, topics, m)));
    // each inbox's share in message order, one add call per inbox
    const shares = new Map<string, number[]>();
    recipients.forEach((ids, i) => {
      for (const agentId of ids) {
        const share = shares.get(agentId) ?? [];
        share.push(i);
        shares.set(agentId, share);
      }
    });
    const took: Set<string>[] = messages.map(() => new Set());
    await Promise.all([
      log.recordMany(messages.map((message, i) => ({ message, recipients: recipients[i]! })), cfg.keep_ms, cfg.log_max),
      ...[...shares].map(async ([agentId, share]) => {
        const ok = await inbox.addMany(agentId, share.map((i) => messages[i]!));
        share.forEach((i, k) => ok[k] && took[i]!.add(agentId));
      }),
    ]);
    const addedPer = recipients.map((ids, i) => ids.filter((agentId) => took[i]!.has(agentId)));

    const appends: Promise<void>[] = [];
    const events: Promise<unknown>[] = [];
    // agent → the most urgent priority it got here, and the envelope of the first message that woke it
    const toWake = new Map<string, { priority: number; envelope: JobEnvelope }>();
    messages.forEach((message, i) => {
      const envelope = envelopes[i]!;
      const added = addedPer[i]!;
      const from = senderAgent(message.from);
      // the conversation files get the message too, unless conversations are kept out of the registry
      if (ctx.config.agent.registry_appends) {
        const entry = { messageId: message.id, from: message.from, to: message.to, type: message.message_type, priority: message.priority, content: message.content, at: message.timestamp };
        for (const agentId of added) appends.push(registry.append({ target: 'conversation', agentId, entry: { ...entry, kind: 'message-in' } }));
        if (from && (added.length > 0 || firstAttempt)) appends.push(registry.append({ target: 'conversation', agentId: from, entry: { ...entry, kind: 'message-out', recipients: recipients[i]! } }));
      }
      // counted when its inboxes first take it: a retried routing job adds nothing and counts nothing
      if (added.length > 0) ctx.metrics.counter(METRIC.messagesRouted).inc({ priority: message.priority });
      // sent in this order on the auto-pipelined connection: `sent`, then each `queued`
      events.push(ctx.events.publish({ type: MESSAGE_EVENT.sent, ...(from ? { agentId: from } : {}), correlationId: envelope.correlationId, data: { message, recipients: recipients[i]! } }));
      for (const agentId of added) {
        events.push(ctx.events.publish({ type: MESSAGE_EVENT.queued, agentId, correlationId: envelope.correlationId, data: { messageId: message.id, from: message.from, to: message.to, type: message.message_type, priority: message.priority } }));
        const p = priorityOf(message.priority);
        const known = toWake.get(agentId);
        toWake.set(agentId, { priority: Math.min(p, known?.priority ?? p), envelope: known?.envelope ?? envelope });
      }
    });
    const wakes = [...toWake].map(([agentId, { priority, envelope }]) => wakeOwner(ctx, agentId, { correlationId: envelope.correlationId, requestedBy: envelope.requestedBy }, priority, wakeLocal));
    await Promise.all([...events, ...wakes, Promise.all(appends).catch((err) => env.logger.warn('conversation append failed', errorFields(err)))]);
    return addedPer.reduce((n, a) => n + a.length, 0);
  };

  /** `envelopes[i]` is `messages[i]`'s (its request's correlation id and requester) */
  return async (messages: readonly Message[], envelopes: readonly JobEnvelope[], firstAttempt: boolean, env: HandlerEnv): Promise<number> => {
    let added = 0;
    for (let i = 0; i < messages.length; ) {
      // direct messages count one add each; a broadcast or topic up to max_recipients
      let adds = 0;
      let j = i;
      while (j < messages.length && (j === i || adds + fanOut(messages[j]!) <= STEP_ADDS)) adds += fanOut(messages[j++]!);
      added += await step(messages.slice(i, j), envelopes.slice(i, j), firstAttempt, env);
      i = j;
    }
    return added;
  };
}

export function routeHandler(deps: RouteDeps): JobHandler {
  const route = messageRouter(deps);
  return async (job: Job<RouteMessageJob>, env: HandlerEnv) => {
    const added = await route([job.data.message], [job.data], job.attemptsMade === 0, env);
    return { added };
  };
}

/**
 * `message.route-batch`: every message of the batch (one request's, or single sends the API
 * gathered into one job, each with its own envelope), in order per address (each inbox
 * orders by priority, then arrival), routed together (messageRouter). Each recipient is
 * woken once, when its share is in its inbox, so it reads it in as few turns as it can. A
 * retried job re-adds nothing (per message).
 */
export function routeBatchHandler(deps: RouteDeps): JobHandler {
  const route = messageRouter(deps);
  return async (job: Job<RouteBatchJob>, env: HandlerEnv) => {
    const { messages, envelopes } = job.data;
    // gathered single sends carry one envelope each; a batch request's messages share the job's
    const own = envelopes?.length === messages.length ? envelopes : messages.map(() => job.data);
    const added = await route(messages, own, job.attemptsMade === 0, env);
    return { messages: messages.length, added };
  };
}
