import { expect } from 'chai';
import { agentTokenEpoch } from '../../shared/auth/revocation.js';
import { signToken } from '../../shared/auth/tokens.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { TEST_SECRET } from '../support/harness.js';
import { runningAgent } from './agent-token.js';

/**
 * A deleted agent's tokens die with it: the one its last process had, and one minted after
 * its stop (with the epoch of that moment, so the stop alone did not revoke it) — a token
 * of an agent that no longer exists must not come back to life, even when an agent is
 * created again under the same id.
 */
describe('security: the token of a deleted agent', function () {
  this.timeout(60_000);
  let stack: AgentStack;
  before(async () => {
    // deleting is a delete_agent approval: approved by the policy at once here
    stack = await startAgentStack({ overrides: { 'approvals.rules': [{ action: 'approve', types: ['delete_agent'] }] } });
  });
  after(() => stack.cleanup());

  it('is refused with 401 nox:token-revoked, also after an agent of the same id is created again', async () => {
    const { id, token: ran } = await runningAgent(stack, 'del');
    await stack.json('POST', `/api/agents/${id}/stop`, 202);
    await stack.waitStatus(id, 'stopped');
    // a token the stop did not revoke: minted at the epoch after it
    const epoch = await agentTokenEpoch(stack.apiCtx.redis, stack.apiCtx.keys, id);
    const later = signToken(TEST_SECRET, { sub: id, role: 'agent', agentId: id }, { expiresIn: '7d', epoch });
    expect((await stack.call('GET', '/api/auth/me', { token: later })).status).to.equal(200);

    await stack.json('DELETE', `/api/agents/${id}`, 204);
    for (const token of [ran, later]) {
      const res = await stack.call('GET', '/api/auth/me', { token });
      expect(res.status).to.equal(401);
      expect(((await res.json()) as { code: string }).code).to.equal('nox:token-revoked');
    }
    await stack.createAgent({ id });
    expect((await stack.call('GET', '/api/auth/me', { token: later })).status, 'the new agent of that id is not the old token’s').to.equal(401);
  });
});
