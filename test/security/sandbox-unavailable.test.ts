import { expect } from 'chai';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { waitUntil } from '../support/harness.js';
import type { HostInfo } from '../../shared/types.js';

/**
 * No silent downgrade (issue 14, item 6): on a host where bubblewrap is missing, an agent
 * does not start bare. It goes `failed` at once with the reason and the fix, and neither the
 * crash policy nor the queue retries it. The host says so in its registration.
 */
describe('sandbox: a host that cannot sandbox fails its agents, with the reason, once', function () {
  this.timeout(60_000);
  let stack: AgentStack;
  before(async () => {
    stack = await startAgentStack({ overrides: { 'agent.bwrap_path': '/nonexistent/bwrap', 'agent.restart_backoff_ms': 50 } });
  });
  after(async () => {
    await stack?.cleanup();
  });

  it('the agent is failed with the reason and the install command; no restart, no retried spawn', async () => {
    await stack.createAgent({ id: 'no-bwrap' });
    await stack.json('POST', '/api/agents/no-bwrap/start', 202);
    const failed = await stack.waitStatus('no-bwrap', 'failed');
    expect(failed.reason).to.match(/bubblewrap \(\/nonexistent\/bwrap\) is not installed/);
    expect(failed.reason).to.include('apt-get install bubblewrap socat').and.include('agent.sandbox = "off"');
    expect(failed.pid).to.equal(undefined);
    // give a retry or a restart the time it would take, then count
    await new Promise((r) => setTimeout(r, 1500));
    const statuses = (await stack.events('agent.status')).filter((e) => e.agentId === 'no-bwrap').map((e) => (e.data as { status: string }).status);
    expect(statuses).to.deep.equal(['starting', 'failed']);
    expect((await stack.runtime('no-bwrap'))?.restarts ?? 0).to.equal(0);
  });

  it('the host publishes that its sandbox is not ready, and why', async () => {
    let host: HostInfo | undefined;
    await waitUntil(async () => {
      const { hosts } = await stack.json<{ hosts: HostInfo[] }>('GET', '/api/system/hosts', 200);
      host = hosts.find((h) => h.id === stack.hosts[0]!.id);
      return host?.sandbox !== undefined;
    });
    expect(host!.sandbox).to.deep.include({ mode: 'bubblewrap', ready: false });
    expect(host!.sandbox!.problem).to.match(/not installed/);
    expect(host!.sandbox!.agentCommandVersion).to.equal('2.1.330-fake (Claude Code)');
  });
});
