import { expect } from 'chai';
import type { DomainEvent } from '../../shared/types.js';
import { tokenFor, waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from './support/collab-stack.js';

describe('messages: the turn a message becomes carries the message id as its correlation id', () => {
  let stack: CollabStack;
  before(async () => {
    stack = await startCollabStack();
    await stack.createAgent('corr-rx');
  });
  after(async () => {
    await stack.cleanup();
  });

  const ofAgent = (events: DomainEvent[], agentId: string): DomainEvent[] => events.filter((e) => e.agentId === agentId);

  it('agent.status (working, then idle) and agent.output of the turn, and its conversation entry, carry the delivered message’s id', async () => {
    const before = ofAgent(await stack.events(), 'corr-rx').filter((e) => e.type === 'agent.status' || e.type === 'agent.output');
    expect(before.length).to.be.greaterThan(0);
    expect(before.some((e) => e.correlationId), 'the start’s status changes and output belong to no turn').to.equal(false);

    const sent = await stack.json<{ id: string }>('POST', '/api/messages', 202, { token: tokenFor('agent', 'corr-tx', 'corr-tx'), body: { to: 'corr-rx', content: 'ping' } });
    let turnEvents: DomainEvent[] = [];
    await waitUntil(async () => {
      turnEvents = ofAgent(await stack.events(), 'corr-rx').filter((e) => e.correlationId === sent.id);
      return turnEvents.some((e) => e.type === 'agent.status' && (e.data as { status: string }).status === 'idle');
    }, 10_000);

    const delivered = ofAgent(await stack.events('message.delivered'), 'corr-rx');
    expect(delivered.map((e) => (e.data as { turnCorrelationId?: string }).turnCorrelationId)).to.deep.equal([sent.id]);
    const statuses = turnEvents.filter((e) => e.type === 'agent.status').map((e) => (e.data as { status: string }).status);
    expect(statuses).to.deep.equal(['working', 'idle']);
    const outputs = turnEvents.filter((e) => e.type === 'agent.output').map((e) => (e.data as { kind: string; text?: string }).kind);
    expect(outputs).to.include.members(['assistant-text', 'result']);
    // every output line of the turn carries it, not only some
    const allOutputs = ofAgent(await stack.events('agent.output'), 'corr-rx').filter((e) => Date.parse(e.at) >= Date.parse(turnEvents[0]!.at));
    expect(allOutputs.every((e) => e.correlationId === sent.id)).to.equal(true);

    // the conversation is written in batches (agent.conversation_flush_ms): wait for the turn's entry
    let turn: { kind: string; correlationId?: string; text?: string } | undefined;
    await waitUntil(async () => {
      const page = await stack.json<{ entries: { kind: string; correlationId?: string; text?: string }[] }>('GET', '/api/agents/corr-rx/conversation?limit=1000', 200);
      turn = page.entries.find((e) => e.kind === 'turn');
      return turn !== undefined;
    }, 10_000);
    expect(turn?.correlationId).to.equal(sent.id);
    expect(turn?.text).to.include(`[message ${sent.id}]`);
  });
});
