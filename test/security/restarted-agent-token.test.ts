import { expect } from 'chai';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { agentToken, runningAgent } from './agent-token.js';

/**
 * Revoking on stop must not break the next start: the token minted for the new process
 * works at once (a stop and a start in the same second included), while the old one stays
 * dead.
 */
describe('security: an agent started again after a stop', function () {
  this.timeout(60_000);
  let stack: AgentStack;
  before(async () => {
    stack = await startAgentStack();
  });
  after(() => stack.cleanup());

  it('gets a new token that works; the old one stays refused', async () => {
    const { id, token: first } = await runningAgent(stack, 'again');
    await stack.json('POST', `/api/agents/${id}/stop`, 202);
    await stack.waitStatus(id, 'stopped');
    await stack.startAgent(id);
    const second = agentToken(stack.config, id);
    expect(second).to.not.equal(first);
    const me = await stack.call('GET', '/api/auth/me', { token: second });
    expect(me.status).to.equal(200);
    expect(await me.json()).to.deep.include({ role: 'agent', agentId: id });
    expect((await stack.call('GET', `/api/agents/${id}/conversation`, { token: second })).status).to.equal(200);
    expect((await stack.call('GET', '/api/auth/me', { token: first })).status).to.equal(401);
  });
});
