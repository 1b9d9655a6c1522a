import { expect } from 'chai';
import type { DomainEvent } from '../../shared/types.js';
import { tokenFor, waitUntil } from '../support/harness.js';
import { startAgentStack, type AgentStack } from './agent-stack.js';

describe('turns: the request’s correlation id reaches the events the turn causes', () => {
  let stack: AgentStack;
  before(async () => {
    stack = await startAgentStack();
  });
  after(async () => {
    await stack.cleanup();
  });

  /** POST /turn with the caller's own x-correlation-id */
  const turnWith = async (agentId: string, text: string, correlationId: string): Promise<void> => {
    const res = await fetch(`${stack.api.url}/api/agents/${agentId}/turn`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenFor('admin')}`, 'content-type': 'application/json', 'x-correlation-id': correlationId },
      body: JSON.stringify({ text }),
    });
    expect(res.status).to.equal(202);
  };
  const carrying = async (agentId: string, correlationId: string): Promise<DomainEvent[]> => (await stack.events()).filter((e) => e.agentId === agentId && e.correlationId === correlationId);

  it('a turn with a permission question: its status changes, output and the permission answer carry the id; the next turn carries its own', async () => {
    await stack.createAgent({ id: 'corr', allowed_tools: ['Read'] });
    await stack.startAgent('corr');
    await turnWith('corr', 'ask Read {"file_path":"x"}', 'req-one');
    await turnWith('corr', 'second', 'req-two');
    await stack.waitResult('corr', 2);
    await waitUntil(async () => (await carrying('corr', 'req-two')).some((e) => e.type === 'agent.status' && (e.data as { status: string }).status === 'idle'), 5000);

    const one = await carrying('corr', 'req-one');
    expect(one.filter((e) => e.type === 'agent.status').map((e) => (e.data as { status: string }).status)).to.deep.equal(['working', 'waiting-approval', 'working', 'idle']);
    expect(one.filter((e) => e.type === 'agent.permission').map((e) => (e.data as { behavior: string }).behavior)).to.deep.equal(['allow']);
    expect(one.filter((e) => e.type === 'agent.output').map((e) => (e.data as { kind: string }).kind)).to.include.members(['tool-use', 'tool-result', 'result']);

    const two = await carrying('corr', 'req-two');
    expect(two.filter((e) => e.type === 'agent.status').map((e) => (e.data as { status: string }).status)).to.deep.equal(['working', 'idle']);
    expect(two.filter((e) => e.type === 'agent.output').map((e) => (e.data as { text?: string }).text)).to.include('echo: second');
    // the start's own status changes belong to no turn
    const starting = (await stack.events('agent.status')).filter((e) => e.agentId === 'corr' && (e.data as { status: string }).status === 'starting');
    expect(starting.map((e) => e.correlationId)).to.deep.equal([undefined]);
  });
});
