import type { Job } from 'bullmq';
import { createInbox, type Inbox } from './inbox.js';
import { MESSAGE_JOB, type DeliverJob } from '../../shared/messages/message-jobs.js';
import { createMessageLog, type MessageLog } from '../../shared/messages/message-log.js';
import { createTopics, type Topics } from '../../shared/messages/topics.js';
import { registryClientFor, type RegistryClient } from '../../shared/registry/registry-client.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { AgentManager } from '../agents/agent-manager.js';
import type { HandlerEnv, JobHandlers } from '../job-router.js';
import { createDeliverer, type Deliverer } from './deliverer.js';
import { routeBatchHandler, routeHandler } from './route-handler.js';

/**
 * The messaging area on a worker host, in the shape startWorkerHost takes:
 *
 *   const messaging = createMessagingHost(ctx);
 *   const agents = createAgentHost(ctx, messaging.hostOptions);
 *   const host = await startWorkerHost(ctx, agents.hostOptions);
 *   await agents.attach(host);
 *   await messaging.attach(agents.manager);   // delivery to this host's agents
 *
 * - shared `messages` queue: `message.route`, `message.route-batch`;
 * - the host's own queue: `message.deliver` (an agent here has mail).
 */
export interface MessagingHost {
  readonly hostOptions: { sharedQueues: Record<string, JobHandlers>; concurrency: Record<string, number>; hostHandlers: JobHandlers };
  readonly inbox: Inbox;
  readonly log: MessageLog;
  readonly topics: Topics;
  readonly deliverer: Deliverer | undefined;
  attach(manager: AgentManager): Promise<Deliverer>;
  stop(): Promise<void>;
}

export function createMessagingHost(ctx: NoxContext): MessagingHost {
  const logger = ctx.logger.child({ component: 'messaging' });
  const inbox = createInbox(ctx.redis, ctx.keys);
  const log = createMessageLog(ctx.redis, ctx.keys);
  const registry: RegistryClient = registryClientFor(ctx);
  const topics = createTopics(ctx.redis, ctx.keys, registry);
  let deliverer: Deliverer | undefined;

  const deliver = async (job: Job<DeliverJob>, env: HandlerEnv): Promise<unknown> => {
    // Let the next wake-up through first: a message queued from now on gets its own job.
    await ctx.queue(ctx.keys.hostQueue(env.hostId)).removeDeduplicationKey(`deliver.${job.data.agentId}`);
    deliverer?.kick(job.data.agentId);
    return { kicked: Boolean(deliverer) };
  };

  const wakeLocal = (agentId: string): boolean => {
    if (!deliverer?.runsHere(agentId)) return false;
    deliverer.kick(agentId);
    return true;
  };
  const routeDeps = { ctx, inbox, log, topics, registry, wakeLocal };

  return {
    hostOptions: {
      sharedQueues: { messages: { [MESSAGE_JOB.route]: routeHandler(routeDeps), [MESSAGE_JOB.routeBatch]: routeBatchHandler(routeDeps) } },
      // routing waits on Redis, not the CPU: many jobs in flight share each round trip (auto-pipelined)
      concurrency: { messages: ctx.config.messages.route_concurrency },
      hostHandlers: { [MESSAGE_JOB.deliver]: deliver },
    },
    inbox,
    log,
    topics,
    get deliverer() {
      return deliverer;
    },
    async attach(manager) {
      if ((await ctx.redis.exists(ctx.keys.topics())) === 0) await topics.reload().catch((err: Error) => logger.warn('could not reload topics from the registry', { error: err.message }));
      deliverer ??= createDeliverer({ ctx, manager, inbox, log, logger });
      for (const s of manager.all()) deliverer.kick(s.agentId);
      return deliverer;
    },
    async stop() {
      deliverer?.stop();
    },
  };
}
