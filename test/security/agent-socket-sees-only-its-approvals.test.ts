import { expect } from 'chai';
import type { DomainEvent } from '../../shared/types.js';
import { startStack, tokenFor, type Stack } from '../support/harness.js';
import { openSocket, type SocketProbe } from './socket-probe.js';

/**
 * An agent's socket gets the events about itself, but not the approvals about it that a
 * person asked for (a deletion of it, an MCP install for it: their details are for people,
 * as GET /api/approvals shows an agent only what it asked for). People in the same room
 * still get them.
 */
describe('security: an agent socket sees only the approvals it asked for', () => {
  let stack: Stack;
  const probes: SocketProbe[] = [];
  before(async () => {
    stack = await startStack({ withHost: false });
  });
  after(async () => {
    for (const p of probes) p.socket.close();
    await stack.cleanup();
  });

  it('a person-requested approval about the agent reaches people, not the agent; its own request and its status reach it', async () => {
    const agent = await openSocket(stack.api.url, { token: tokenFor('agent', 'sock-a', 'sock-a') });
    const person = await openSocket(stack.api.url, { token: tokenFor('viewer'), rooms: ['agent:sock-a'] });
    probes.push(agent, person);
    const seen = { agent: [] as DomainEvent[], person: [] as DomainEvent[] };
    agent.socket.on('event', (e: DomainEvent) => seen.agent.push(e));
    person.socket.on('event', (e: DomainEvent) => seen.person.push(e));

    const publish = (type: string, data: Record<string, unknown>) => stack.apiCtx.events.publish({ type, agentId: 'sock-a', data });
    await publish('approval.requested', { id: 'apr-person', requested_by: 'user:olga', type: 'delete_agent', details: { secretish: 'for people' } });
    await publish('approval.requested', { id: 'apr-own', requested_by: 'agent:sock-a', type: 'custom' });
    await publish('agent.status', { status: 'idle' });

    const deadline = Date.now() + 5000;
    while ((seen.person.length < 3 || seen.agent.length < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const ids = (events: DomainEvent[]) => events.map((e) => (e.type === 'agent.status' ? e.type : (e.data as { id: string }).id));
    expect(ids(seen.person)).to.deep.equal(['apr-person', 'apr-own', 'agent.status']);
    expect(ids(seen.agent)).to.deep.equal(['apr-own', 'agent.status']);
  });
});
