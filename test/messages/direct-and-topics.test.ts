import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Message } from '../../shared/messages/message-model.js';
import { createRegistryClient } from '../../shared/registry/registry-client.js';
import { tokenFor, waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from './support/collab-stack.js';

describe('messages: direct, broadcast and topics, delivered as turns to stand-in agents', () => {
  let stack: CollabStack;
  const as = (agentId: string): { token: string } => ({ token: tokenFor('agent', agentId, agentId) });
  before(async () => {
    stack = await startCollabStack();
    for (const id of ['ma', 'mb', 'mc']) await stack.createAgent(id);
  });
  after(async () => {
    await stack.cleanup();
  });

  it('A sends to B: B gets one turn saying who sent what kind; the log, events and both conversations have it', async () => {
    const sent = await stack.json<{ id: string; message: Message }>('POST', '/api/messages', 202, { ...as('ma'), body: { to: 'mb', content: 'can you check the build?', message_type: 'request', priority: 'high' } });
    expect(sent.message.from).to.equal('agent:ma');
    const turns = await stack.waitTurns('mb', 1);
    expect(turns).to.have.length(1);
    expect(turns[0]).to.equal(`[message ${sent.id}] request message from agent:ma, sent to you, priority high, at ${sent.message.timestamp}:\ncan you check the build?`);
    expect(await stack.turnsOf('ma')).to.have.length(0);

    const logB = await stack.json<{ messages: Message[]; total: number }>('GET', '/api/messages?agent=mb', 200);
    expect(logB.messages.map((m) => m.id)).to.deep.equal([sent.id]);
    // an agent reads only its own log
    expect((await stack.call('GET', '/api/messages?agent=mb', as('mc'))).status).to.equal(403);
    expect((await stack.json<{ total: number }>('GET', '/api/messages', 200, as('mc'))).total).to.equal(0);

    await waitUntil(async () => (await stack.events('message.delivered')).some((e) => e.agentId === 'mb'), 5000);
    const types = (await stack.events()).filter((e) => e.type.startsWith('message.')).map((e) => `${e.type}:${e.agentId}`);
    expect(types).to.include.members(['message.sent:ma', 'message.queued:mb', 'message.delivered:mb']);

    // the registry keeps the message in both conversations (batched appends)
    const registry = createRegistryClient(stack.apiCtx);
    await registry.flush();
    const day = sent.message.timestamp.slice(0, 10);
    const read = (id: string): string => {
      const f = path.join(stack.config.registryDir, `agents/${id}/conversations/${day}.toml`);
      return existsSync(f) ? readFileSync(f, 'utf8') : '';
    };
    expect(read('ma')).to.include(sent.id).and.include('message-out');
    expect(read('mb')).to.include(sent.id).and.include('message-in');
    await registry.close();
  });

  it('sending to an unknown agent is a 404, and an agent cannot send as someone else', async () => {
    expect((await stack.call('POST', '/api/messages', { body: { to: 'nobody', content: 'x' } })).status).to.equal(404);
    const res = await stack.call('POST', '/api/messages', { ...as('ma'), body: { to: 'mb', content: 'x', from: 'agent:mc' } });
    expect(res.status).to.equal(400);
    expect((await stack.call('POST', '/api/messages', { role: 'viewer', body: { to: 'mb', content: 'x' } })).status).to.equal(403);
  });

  it('topics: subscribers get what is published (not the publisher), kept in agent-relationships.toml; unsubscribe stops it', async () => {
    await stack.json('POST', '/api/topics/builds/subscribers', 201, { ...as('mb'), body: {} });
    await stack.json('POST', '/api/topics/builds/subscribers', 201, { body: { agent_id: 'mc' } });
    await stack.json('POST', '/api/topics/builds/subscribers', 201, { body: { agent_id: 'ma' } });
    expect((await stack.call('POST', '/api/topics/builds/subscribers', { ...as('mb'), body: { agent_id: 'mc' } })).status).to.equal(403);
    const rel = readFileSync(path.join(stack.config.registryDir, 'agent-relationships.toml'), 'utf8');
    expect(rel).to.include('sub.mb.builds').and.include('topic:builds');
    const topics = await stack.json<{ topics: { topic: string; subscribers: string[] }[] }>('GET', '/api/topics', 200);
    expect(topics.topics.find((t) => t.topic === 'builds')?.subscribers).to.deep.equal(['ma', 'mb', 'mc']);

    const beforeB = (await stack.turnsOf('mb')).length;
    const beforeC = (await stack.turnsOf('mc')).length;
    const beforeA = (await stack.turnsOf('ma')).length;
    const pub = await stack.json<{ id: string }>('POST', '/api/topics/builds/messages', 202, { ...as('ma'), body: { content: 'build 42 is green', message_type: 'notification' } });
    const b = await stack.waitTurns('mb', beforeB + 1);
    const c = await stack.waitTurns('mc', beforeC + 1);
    expect(b.at(-1)).to.include(`[message ${pub.id}] notification message from agent:ma, published on topic builds`);
    expect(c.at(-1)).to.include('build 42 is green');
    const byTopic = await stack.json<{ messages: Message[] }>('GET', '/api/messages?topic=builds', 200);
    expect(byTopic.messages.map((m) => m.id)).to.deep.equal([pub.id]);

    await stack.json('DELETE', '/api/topics/builds/subscribers/mc', 200, as('mc'));
    expect(readFileSync(path.join(stack.config.registryDir, 'agent-relationships.toml'), 'utf8')).to.not.include('sub.mc.builds');
    const pub2 = await stack.json<{ id: string }>('POST', '/api/messages', 202, { body: { to: 'topic:builds', content: 'build 43 is red' } });
    await stack.waitTurns('mb', beforeB + 2);
    await new Promise((r) => setTimeout(r, 300));
    expect((await stack.turnsOf('mc')).join('\n')).to.not.include(pub2.id);
    // the publisher did not get its own message; as a subscriber it gets the admin's
    const a = await stack.waitTurns('ma', beforeA + 1);
    expect(a.join('\n')).to.not.include(pub.id);
    expect(a.at(-1)).to.include(pub2.id);
  });

  it('a broadcast reaches every agent but the sender', async () => {
    const counts: Record<string, number> = Object.fromEntries(await Promise.all(['ma', 'mb', 'mc'].map(async (id) => [id, (await stack.turnsOf(id)).length] as const)));
    const sent = await stack.json<{ id: string }>('POST', '/api/messages', 202, { ...as('mc'), body: { to: 'all', content: 'standup in 5' } });
    await stack.waitTurns('ma', counts.ma! + 1);
    await stack.waitTurns('mb', counts.mb! + 1);
    await new Promise((r) => setTimeout(r, 300));
    expect((await stack.turnsOf('mc')).length).to.equal(counts.mc);
    expect((await stack.turnsOf('ma')).at(-1)).to.include(`[message ${sent.id}]`).and.include('broadcast to all agents');
  });
});
