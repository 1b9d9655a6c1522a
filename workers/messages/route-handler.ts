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

/** Routes one message; the `message.route` and `message.route-batch` jobs both come here. */
function messageRouter(deps: RouteDeps) {
  const { ctx, inbox, log, topics, registry, wakeLocal } = deps;
  const cfg = ctx.config.messages;
  /** `wakeLater`: collect the recipients to wake instead of waking each now (a batch wakes each agent once, at its end) */
  return async (message: Message, envelope: JobEnvelope, firstAttempt: boolean, env: HandlerEnv, wakeLater?: (agentId: string, message: Message) => void): Promise<{ recipients: string[]; added: number }> => {
    const recipients = await resolveRecipients(ctx, topics, message);
    await log.record(message, recipients, cfg.keep_ms, cfg.log_max);
    const added: string[] = [];
    for (const agentId of recipients) if (await inbox.add(agentId, message.id, message.priority)) added.push(agentId);

    // the conversation files get the message too, unless conversations are kept out of the registry
    const entry = { messageId: message.id, from: message.from, to: message.to, type: message.message_type, priority: message.priority, content: message.content, at: message.timestamp };
    const from = senderAgent(message.from);
    const appends: Promise<void>[] = !ctx.config.agent.registry_appends ? [] : added.map((agentId) => registry.append({ target: 'conversation', agentId, entry: { ...entry, kind: 'message-in' } }));
    if (ctx.config.agent.registry_appends && from && (added.length > 0 || firstAttempt)) appends.push(registry.append({ target: 'conversation', agentId: from, entry: { ...entry, kind: 'message-out', recipients } }));
    await Promise.all(appends).catch((err) => env.logger.warn('conversation append failed', errorFields(err)));

    // counted when its inboxes first take it: a retried routing job adds nothing and counts nothing
    if (added.length > 0) ctx.metrics.counter(METRIC.messagesRouted).inc({ priority: message.priority });
    const wakeData = { correlationId: envelope.correlationId, requestedBy: envelope.requestedBy };
    // one tick: the events go out together on the auto-pipelined connection, `sent` first
    await Promise.all([
      ctx.events.publish({ type: MESSAGE_EVENT.sent, ...(from ? { agentId: from } : {}), correlationId: envelope.correlationId, data: { message, recipients } }),
      ...added.map(async (agentId) => {
        await ctx.events.publish({ type: MESSAGE_EVENT.queued, agentId, correlationId: envelope.correlationId, data: { messageId: message.id, from: message.from, to: message.to, type: message.message_type, priority: message.priority } });
        if (wakeLater) wakeLater(agentId, message);
        else await wakeOwner(ctx, agentId, wakeData, priorityOf(message.priority), wakeLocal);
      }),
    ]);
    return { recipients, added: added.length };
  };
}

export function routeHandler(deps: RouteDeps): JobHandler {
  const route = messageRouter(deps);
  return async (job: Job<RouteMessageJob>, env: HandlerEnv) => route(job.data.message, job.data, job.attemptsMade === 0, env);
}

/**
 * `message.route-batch`: every message of the batch, in order per address (each inbox
 * orders by priority, then arrival). Messages to different addresses are routed side by
 * side, so their Redis commands go out together. Each recipient is woken once, when the
 * whole batch is in the inboxes, so it reads its share in as few turns as it can. A retried
 * job re-adds nothing (per message).
 */
export function routeBatchHandler(deps: RouteDeps): JobHandler {
  const route = messageRouter(deps);
  return async (job: Job<RouteBatchJob>, env: HandlerEnv) => {
    const lanes = new Map<string, Message[]>();
    for (const m of job.data.messages) {
      const lane = lanes.get(m.to) ?? [];
      lane.push(m);
      lanes.set(m.to, lane);
    }
    // agent → the most urgent priority it got in this batch
    const toWake = new Map<string, number>();
    const wakeLater = (agentId: string, m: Message): void => {
      const p = priorityOf(m.priority);
      toWake.set(agentId, Math.min(p, toWake.get(agentId) ?? p));
    };
    let added = 0;
    await Promise.all(
      [...lanes.values()].map(async (lane) => {
        for (const m of lane) added += (await route(m, job.data, job.attemptsMade === 0, env, wakeLater)).added;
      }),
    );
    const wakeData = { correlationId: job.data.correlationId, requestedBy: job.data.requestedBy };
    await Promise.all([...toWake].map(([agentId, priority]) => wakeOwner(deps.ctx, agentId, wakeData, priority, deps.wakeLocal)));
    return { messages: job.data.messages.length, added };
  };
}
