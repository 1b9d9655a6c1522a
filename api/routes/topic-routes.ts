import { z } from 'zod';
import { agentStoreFor, requireAgent } from '../../shared/agents/agent-store.js';
import { ForbiddenError } from '../../shared/errors/auth-errors.js';
import { ID_PATTERN } from '../../shared/ids.js';
import { messageInputSchema, newMessage, topicSchema } from '../../shared/messages/message-model.js';
import { enqueueMessage } from '../../shared/messages/message-sender.js';
import { createTopics } from '../../shared/messages/topics.js';
import { registryClientFor } from '../../shared/registry/registry-client.js';
import type { Principal } from '../../shared/types.js';
import type { ApiDeps } from '../deps.js';
import { onlySelf, ownAgent } from '../http/agent-scope.js';
import { OPERATORS, PEOPLE } from '../http/auth.js';
import { requester } from '../http/requester.js';
import { defineRoute, type RouteSpec } from '../http/route.js';

/**
 * /api/topics: subscriptions (kept in agent-relationships.toml, one commit each) and
 * publishing. An agent subscribes and unsubscribes only itself (another agent's
 * subscriptions: 403 `ERROR_CODE.notOwnAgent`); operators manage anyone. Topics and their
 * subscribers are readable by every principal, as the list of agents is: an agent needs
 * them to know who hears what it publishes.
 */
const ACTORS = [...OPERATORS, 'agent'] as const;
const READERS = [...PEOPLE, 'agent'] as const;
const topicParams = z.object({ topic: topicSchema }).strict();
const subscriberParams = z.object({ topic: topicSchema, agentId: z.string().regex(ID_PATTERN) }).strict();
const subscribeBody = z.object({ agent_id: z.string().regex(ID_PATTERN).optional() }).strict().default({});
const publishBody = messageInputSchema.omit({ to: true });

export function topicRoutes(deps: ApiDeps): RouteSpec[] {
  const { ctx } = deps;
  const agents = agentStoreFor(ctx);
  const topics = createTopics(ctx.redis, ctx.keys, registryClientFor(ctx));

  const subject = (principal: Principal | undefined, agentId: string | undefined): string => {
    const me = ownAgent(principal);
    if (me !== undefined) {
      if (agentId) onlySelf(principal, agentId, 'the subscriptions');
      return me;
    }
    if (!agentId) throw new ForbiddenError('say which agent: agent_id');
    return agentId;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/topics',
      summary: 'Topics and their subscribers',
      tag: 'messages',
      auth: READERS,
      handler: async () => ({ topics: await topics.list() }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/topics/:topic/subscribers',
      summary: 'Subscribe an agent to a topic (an agent: itself)',
      tag: 'messages',
      auth: ACTORS,
      params: topicParams,
      body: subscribeBody,
      status: 201,
      handler: async ({ params, body, principal }) => {
        const agentId = subject(principal, body.agent_id);
        await requireAgent(agents, agentId);
        const added = await topics.subscribe(agentId, params.topic, requester(principal));
        return { topic: params.topic, agentId, subscribed: true, added };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/topics/:topic/subscribers/:agentId',
      summary: 'Unsubscribe an agent from a topic (an agent: itself)',
      tag: 'messages',
      auth: ACTORS,
      params: subscriberParams,
      handler: async ({ params, principal }) => {
        const agentId = subject(principal, params.agentId);
        const removed = await topics.unsubscribe(agentId, params.topic, requester(principal));
        return { topic: params.topic, agentId, subscribed: false, removed };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/topics/:topic/messages',
      summary: 'Publish a message to a topic’s subscribers',
      tag: 'messages',
      auth: ACTORS,
      params: topicParams,
      body: publishBody,
      status: 202,
      handler: async ({ params, body, principal, correlationId }) => {
        const message = newMessage({ ...body, to: `topic:${params.topic}` }, requester(principal));
        await enqueueMessage(ctx, message, { correlationId, requestedBy: requester(principal) });
        return { id: message.id, accepted: true, message };
      },
    }),
  ];
}
