import { expect } from 'chai';
import { tokenFor, waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from './support/collab-stack.js';

/** The ids of the messages an agent read, in the order it read them (from its transcript). */
const readIds = (turns: string[]): string[] => turns.flatMap((t) => [...t.matchAll(/\[message ([^\]]+)\]/g)].map((m) => m[1]!));

describe('messages: POST /api/messages/batch — many messages, one request, each delivered as if sent alone', () => {
  let stack: CollabStack;
  before(async () => {
    stack = await startCollabStack();
    for (const id of ['bt-a', 'bt-b', 'bt-c']) await stack.createAgent(id);
  });
  after(async () => {
    await stack.cleanup();
  });

  it('30 messages to 3 agents: each reaches its agent exactly once, the order of the batch kept per agent', async () => {
    const agents = ['bt-a', 'bt-b', 'bt-c'];
    const messages = Array.from({ length: 30 }, (_, i) => ({ id: `bt-${i}`, to: agents[i % 3], content: `batch item ${i}` }));
    const res = await stack.json<{ accepted: number; ids: string[]; timestamp: string; jobId: string }>('POST', '/api/messages/batch', 202, { body: { messages } });
    expect(res.accepted).to.equal(30);
    expect(res.ids).to.deep.equal(messages.map((m) => m.id));
    expect(Number.isNaN(Date.parse(res.timestamp))).to.equal(false);
    // the same batch again (a client's retry): nothing is routed twice
    await stack.json('POST', '/api/messages/batch', 202, { body: { messages } });

    for (const [k, agentId] of agents.entries()) {
      const mine = messages.filter((_, i) => i % 3 === k).map((m) => m.id);
      await waitUntil(async () => readIds(await stack.turnsOf(agentId)).length >= mine.length, 10_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(readIds(await stack.turnsOf(agentId))).to.deep.equal(mine);
    }
    const delivered = (await stack.events('message.delivered')).filter((e) => String((e.data as { messageId: string }).messageId).startsWith('bt-'));
    expect(delivered).to.have.length(30);
  });

  it('all or nothing: an unknown agent is 404 and a bad item 400 naming its place; nothing of either batch is sent', async () => {
    const unknown = await stack.call('POST', '/api/messages/batch', { body: { messages: [{ id: 'bt-x1', to: 'bt-a', content: 'fine' }, { id: 'bt-x2', to: 'nobody-here', content: 'lost?' }] } });
    expect(unknown.status).to.equal(404);
    expect(((await unknown.json()) as { code: string }).code).to.equal('nox:agent-not-found');

    const bad = await stack.call('POST', '/api/messages/batch', { body: { messages: [{ id: 'bt-x3', to: 'bt-a', content: 'fine' }, { to: 'bt-a', content: 'x', priority: 'urgent' }] } });
    expect(bad.status).to.equal(400);
    const problem = (await bad.json()) as { code: string; errors: { path: string }[] };
    expect(problem.code).to.equal('nox:validation-failed');
    expect(problem.errors.map((e) => e.path)).to.include('body.messages.1.priority');

    const tooMany = await stack.call('POST', '/api/messages/batch', { body: { messages: Array.from({ length: 501 }, () => ({ to: 'bt-a', content: 'x' })) } });
    expect(tooMany.status).to.equal(400);
    const empty = await stack.call('POST', '/api/messages/batch', { body: { messages: [] } });
    expect(empty.status).to.equal(400);

    await new Promise((r) => setTimeout(r, 300));
    for (const id of ['bt-x1', 'bt-x2', 'bt-x3']) expect((await stack.call('GET', `/api/messages/${id}`)).status).to.equal(404);
  });

  it('an agent sends a batch as itself; a viewer may not send', async () => {
    const res = await stack.call('POST', '/api/messages/batch', { token: tokenFor('agent', 'agent:bt-a', 'bt-a'), body: { messages: [{ id: 'bt-from-a', to: 'bt-b', content: 'from a' }] } });
    expect(res.status).to.equal(202);
    await waitUntil(async () => readIds(await stack.turnsOf('bt-b')).includes('bt-from-a'), 10_000);
    const turn = (await stack.turnsOf('bt-b')).find((t) => t.includes('[message bt-from-a]'));
    expect(turn).to.include('from agent:bt-a');
    expect((await stack.call('POST', '/api/messages/batch', { role: 'viewer', body: { messages: [{ to: 'bt-b', content: 'no' }] } })).status).to.equal(403);
  });
});
