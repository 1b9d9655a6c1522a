import { z } from 'zod';
import { agentStoreFor } from '../../shared/agents/agent-store.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { NotFoundError } from '../../shared/errors/not-found-error.js';
import { ID_PATTERN } from '../../shared/ids.js';
import { createMessageLog } from '../../shared/messages/message-log.js';
import { addressingOf, messageIdSchema, messageInputSchema, newMessage, senderAgent, topicSchema } from '../../shared/messages/message-model.js';
import { enqueueBatch } from '../../shared/messages/message-sender.js';
import { createRouteGatherer } from '../../shared/messages/route-gatherer.js';
import { createKnownAgents } from '../agents/known-agents.js';
import type { ApiDeps } from '../deps.js';
import { onlySelf, ownAgent } from '../http/agent-scope.js';
import { OPERATORS, PEOPLE } from '../http/auth.js';
import { requester } from '../http/requester.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import { decodeZsetCursor, encodeZsetCursor } from '../http/list-cursor.js';

/**
 * /api/messages: send (direct, `all`, `topic:<name>`) and read the log. Sending answers 202
 * once the message is on the `messages` queue; routing and delivery happen there. The
 * sender is the caller: an agent sends as itself, a person as `user:<name>`. An agent reads
 * only messages it sent or received: another agent's log is 403 `ERROR_CODE.notOwnAgent`, a
 * message it may not read is 404 (as if it did not exist).
 */
const SENDERS = [...OPERATORS, 'agent'] as const;
export const BATCH_MAX = 500;
const batchBody = z.object({ messages: z.array(messageInputSchema).min(1).max(BATCH_MAX) }).strict();
const READERS = [...PEOPLE, 'agent'] as const;
const time = z.union([z.coerce.number().int().min(0), z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO time or epoch ms').transform((s) => Date.parse(s))]);
const listQuery = z
  .object({
    agent: z.string().regex(ID_PATTERN).optional(),
    topic: topicSchema.optional(),
    since: time.optional(),
    until: time.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** the previous page's `next` (issue 21): a keyset on (time, id), stable while messages arrive */
    cursor: z.string().max(2000).optional(),
  })
  .strict();
/** the log's order, as a cursor names it */
const LOG_ORDER = 'time-desc';

export function messageRoutes(deps: ApiDeps): RouteSpec[] {
  const { ctx } = deps;
  // recipients seen to exist, for at most a second (known-agents.ts)
  const agents = createKnownAgents(agentStoreFor(ctx), deps.tailer);
  const log = createMessageLog(ctx.redis, ctx.keys);
  // concurrent single sends, routed by one job per turn of the event loop (each keeps its envelope)
  const routes = createRouteGatherer(() => ctx.queue('messages'));

  /** every agent a direct message names exists (404 naming the first that does not) */
  const requireRecipients = async (tos: readonly string[]): Promise<void> => {
    for (const to of new Set(tos)) {
      const address = addressingOf(to);
      if (address.kind === 'direct') await agents.require(address.agentId);
    }
  };

  return [
    defineRoute({
      method: 'post',
      path: '/api/messages',
      summary: 'Send a message to an agent, to all agents, or to a topic’s subscribers',
      tag: 'messages',
      auth: SENDERS,
      body: messageInputSchema,
      status: 202,
      handler: async ({ body, principal, correlationId }) => {
        await requireRecipients([body.to]);
        const message = newMessage(body, requester(principal));
        await routes.send(message, { correlationId, requestedBy: requester(principal) });
        return { id: message.id, accepted: true, message };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/messages/batch',
      summary: `Send up to ${BATCH_MAX} messages in one request: all are accepted or none (400/404 names the first bad one); routed by one job, each delivered as if sent alone`,
      tag: 'messages',
      auth: SENDERS,
      body: batchBody,
      status: 202,
      handler: async ({ body, principal, correlationId }) => {
        await requireRecipients(body.messages.map((m) => m.to));
        const now = new Date();
        const messages = body.messages.map((m) => newMessage(m, requester(principal), now));
        const jobId = await enqueueBatch(ctx, messages, { correlationId, requestedBy: requester(principal) });
        return { accepted: messages.length, ids: messages.map((m) => m.id), timestamp: now.toISOString(), jobId };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/messages',
      summary: 'The message log, newest first: filter by agent (sent or received), topic and time; `limit` and `cursor` (the previous page’s `next`) page it',
      tag: 'messages',
      auth: READERS,
      query: listQuery,
      handler: async ({ query, principal }) => {
        if (query.agent) onlySelf(principal, query.agent, 'the messages');
        const me = ownAgent(principal);
        const agent = me ?? query.agent;
        const { cursor, ...filters } = query;
        const after = decodeZsetCursor(cursor, LOG_ORDER);
        const page = await log.query({ ...filters, ...(agent ? { agent } : {}), ...(after ? { after } : {}) });
        return { messages: page.messages, total: page.total, next: encodeZsetCursor(LOG_ORDER, page.next) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/messages/:id',
      summary: 'One message, with its recipients',
      tag: 'messages',
      auth: READERS,
      params: z.object({ id: messageIdSchema }).strict(),
      handler: async ({ params, principal }) => {
        const found = (await log.get(params.id)) as (ReturnType<typeof newMessage> & { recipients?: string[] }) | undefined;
        const me = ownAgent(principal);
        if (!found || (me && senderAgent(found.from) !== me && !(found.recipients ?? []).includes(me))) throw new NotFoundError(`no message ${params.id}`, ERROR_CODE.messageNotFound);
        return found;
      },
    }),
  ];
}
