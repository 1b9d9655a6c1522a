import { expect } from 'chai';
import type { AgentRuntime } from '../../shared/agents/runtime-state.js';
import { startAgentStack, type AgentStack, type AgentTestHost } from '../agents/agent-stack.js';
import { waitUntil } from '../support/harness.js';
import { runningAgent } from './agent-token.js';
import { openSocket, within } from './socket-probe.js';

/**
 * An agent's token lives 7 days; the agent may be stopped long before. Once stopped for
 * good, whoever holds a copy of its token (its own leftovers, anything it printed it to)
 * must be refused, and its open socket closed — whether the stop came through the API or
 * the worker stopped it on its own.
 */
describe('security: the token of a stopped agent', function () {
  this.timeout(60_000);
  let stack: AgentStack;
  before(async () => {
    stack = await startAgentStack();
  });
  after(() => stack.cleanup());

  const me = (token: string) => stack.call('GET', '/api/auth/me', { token });
  const hostOf = (runtime: AgentRuntime | undefined): AgentTestHost => stack.hosts.find((h) => h.id === runtime?.hostId) as AgentTestHost;

  it('is refused (401 nox:token-revoked) after POST /api/agents/:id/stop, and its socket is closed', async () => {
    const { id, token } = await runningAgent(stack, 'stop');
    expect((await me(token)).status).to.equal(200);
    const probe = await openSocket(stack.api.url, { token });

    await stack.json('POST', `/api/agents/${id}/stop`, 202);
    await stack.waitStatus(id, 'stopped');
    const res = await me(token);
    expect(res.status).to.equal(401);
    expect(((await res.json()) as { code: string }).code).to.equal('nox:token-revoked');
    expect(await within(probe.ended, 5000, 'the agent socket closing')).to.include({ code: 'nox:token-revoked' });
  });

  it('is refused when the worker stops the agent itself (no API in the way)', async () => {
    const { id, token } = await runningAgent(stack, 'wstop');
    expect((await me(token)).status).to.equal(200);
    await hostOf(await stack.runtime(id)).agents.manager.stop(id, 'test: stopped on the host');
    await waitUntil(async () => (await me(token)).status === 401, 5000);
  });

  it('is refused when the host that ran the agent is gone and the stop comes through the API', async () => {
    await stack.addHost(); // the others keep a live host, whichever this agent lands on
    const { id, token } = await runningAgent(stack, 'gone');
    await stack.crashHost(hostOf(await stack.runtime(id)));
    expect((await me(token)).status, 'a crash is not a stop').to.equal(200);
    expect(await stack.json('POST', `/api/agents/${id}/stop`, 202)).to.include({ hostGone: true });
    expect((await me(token)).status).to.equal(401);
  });
});
