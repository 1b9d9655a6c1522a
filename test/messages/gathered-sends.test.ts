import { expect } from 'chai';
import type { Queue } from 'bullmq';
import { MESSAGE_JOB, type RouteBatchJob, type RouteMessageJob } from '../../shared/messages/message-jobs.js';
import { messageInputSchema, newMessage } from '../../shared/messages/message-model.js';
import { createRouteGatherer } from '../../shared/messages/route-gatherer.js';
import { waitForRedis } from '../../shared/redis.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { DomainEvent } from '../../shared/types.js';
import { apiCaller } from '../support/api-caller.js';
import { dropPrefix, testConfig, testContext, waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from './support/collab-stack.js';

/**
 * Single sends that arrive together are routed by one job (shared/messages/route-gatherer.ts):
 * on a real queue, and end to end through the API to stand-in agents, each message keeps its
 * own request's correlation id and is delivered once.
 */
describe('messages: single sends gathered into one routing job', function () {
  this.timeout(60_000);

  describe('the gatherer, on a real queue', () => {
    let ctx: NoxContext;
    before(async () => {
      ctx = testContext(testConfig({}), 'api');
      await waitForRedis(ctx.redis);
    });
    after(async () => {
      await ctx.close();
      await dropPrefix(ctx.config.redis.prefix);
    });

    const message = (to: string, content: string, id?: string) => newMessage(messageInputSchema.parse({ to, content, ...(id ? { id } : {}) }), 'user:alice');

    it('sends of one turn go as one route-batch job, each with its own envelope, a repeated id once; a send alone is a route job', async () => {
      const queue = ctx.queue('messages');
      const gatherer = createRouteGatherer(() => queue);
      const sent = Array.from({ length: 120 }, (_, i) => message(`agent-${i % 3}`, `hello ${i}`));
      const twice = message('agent-0', 'retried', 'm-client-chosen');
      await Promise.all([...sent.map((m, i) => gatherer.send(m, { correlationId: `c-${i}`, requestedBy: 'user:alice' })), gatherer.send(twice, { correlationId: 'c-first', requestedBy: 'user:alice' }), gatherer.send(twice, { correlationId: 'c-again', requestedBy: 'user:alice' })]);

      const jobs = await queue.getJobs(['waiting', 'prioritized']);
      expect(jobs.map((j) => j.name)).to.deep.equal([MESSAGE_JOB.routeBatch]);
      const data = jobs[0]!.data as RouteBatchJob;
      expect(data.messages.map((m) => m.id), 'in the order sent, the repeated id once').to.deep.equal([...sent.map((m) => m.id), 'm-client-chosen']);
      expect(data.envelopes?.map((e) => e.correlationId)).to.deep.equal([...sent.map((_, i) => `c-${i}`), 'c-first']);

      const alone = message('agent-1', 'alone');
      await gatherer.send(alone, { correlationId: 'c-alone', requestedBy: 'user:bob' });
      const single = await queue.getJob(`route.${alone.id}`);
      expect(single?.name).to.equal(MESSAGE_JOB.route);
      expect((single?.data as RouteMessageJob).correlationId).to.equal('c-alone');
    });

    it('a failed write fails every send gathered with it, none reported accepted', async () => {
      const refusing = { add: () => Promise.reject(new Error('redis said no')) } as unknown as Queue;
      const gatherer = createRouteGatherer(() => refusing);
      const results = await Promise.allSettled([1, 2, 3].map((i) => gatherer.send(message('agent-0', `x ${i}`), { correlationId: `c-${i}`, requestedBy: 'user:alice' })));
      expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected', 'rejected']);
      expect((await Promise.allSettled([gatherer.send(message('agent-0', 'alone'), { correlationId: 'c', requestedBy: 'user:alice' })]))[0]?.status).to.equal('rejected');
    });
  });

  describe('end to end', () => {
    let stack: CollabStack;
    before(async () => {
      stack = await startCollabStack();
      await stack.createAgent('gs-a');
      await stack.createAgent('gs-b');
    });
    after(async () => {
      await stack.cleanup();
    });

    it('concurrent single sends to two agents: each delivered once, each event with its own request’s correlation id', async () => {
      const { json } = apiCaller(stack.api.url);
      const n = 40;
      const sent = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          json<{ id: string }>('POST', '/api/messages', 202, { role: 'operator', headers: { 'x-correlation-id': `corr-gathered-${i}` }, body: { to: i % 2 ? 'gs-b' : 'gs-a', content: `gathered ${i}` } }),
        ),
      );
      const ids = sent.map((s) => s.id);
      let queued: DomainEvent[] = [];
      await waitUntil(async () => {
        queued = (await stack.events('message.queued')).filter((e) => ids.includes((e.data as { messageId: string }).messageId));
        return queued.length >= n;
      }, 20_000);
      expect(queued).to.have.length(n);
      for (const e of queued) {
        const i = ids.indexOf((e.data as { messageId: string }).messageId);
        expect(e.correlationId, `message ${i}`).to.equal(`corr-gathered-${i}`);
        expect(e.agentId).to.equal(i % 2 ? 'gs-b' : 'gs-a');
      }
      // every message reaches its agent's stdin exactly once (turns may carry several)
      const mentions = async (): Promise<number[]> => {
        const turns = [...(await stack.turnsOf('gs-a')), ...(await stack.turnsOf('gs-b'))];
        return ids.map((id) => turns.filter((t) => t.includes(`[message ${id}]`)).length);
      };
      await waitUntil(async () => (await mentions()).every((c) => c >= 1), 30_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(await mentions()).to.deep.equal(ids.map(() => 1));
    });
  });
});
