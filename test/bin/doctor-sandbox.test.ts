import { expect } from 'chai';
import type { HostInfo } from '../../shared/types.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { redisUrl, waitUntil } from '../support/harness.js';
import { spawnNox } from '../support/processes.js';

/**
 * `nox doctor` says how every live host runs its agents (issue 14, item 6): sandboxed (ok,
 * with bubblewrap's version), unsandboxed on purpose (a loud WARN), or unable to start them
 * (FAIL with the reason and the fix) — each with the agent program's version.
 */
describe('nox doctor: the agents sandbox of every live host', function () {
  this.timeout(60_000);
  let stack: AgentStack;
  before(async () => {
    stack = await startAgentStack({ hosts: 0 });
    await stack.addHost({ 'worker.host_id': 'doc-sandboxed' });
    await stack.addHost({ 'worker.host_id': 'doc-off', 'agent.sandbox': 'off' });
    await stack.addHost({ 'worker.host_id': 'doc-broken', 'agent.bwrap_path': '/nonexistent/bwrap' });
    await waitUntil(async () => {
      const { hosts } = await stack.json<{ hosts: HostInfo[] }>('GET', '/api/system/hosts', 200);
      return hosts.filter((h) => h.sandbox).length === 3;
    });
  });
  after(async () => {
    await stack?.cleanup();
  });

  it('ok, WARN and FAIL lines, and exit code 1 while a host cannot sandbox', async () => {
    const doctor = spawnNox(['doctor', '--url', stack.api.url], { NOX_REGISTRY_DIR: stack.config.registryDir, REDIS_URL: redisUrl(), NOX_REDIS_PREFIX: stack.config.redis.prefix, LOG_LEVEL: 'silent' });
    const { code } = await doctor.exited();
    const out = doctor.output();
    expect(out).to.match(/ok\s+sandbox\s+doc-sandboxed: bubblewrap \d[\d.]*; agent command \S+ \S+fake-claude\.mjs: 2\.1\.330-fake \(Claude Code\)/);
    expect(out).to.match(/WARN\s+sandbox\s+doc-off: AGENTS RUN UNSANDBOXED \(agent\.sandbox = "off"\)/);
    expect(out).to.match(/FAIL\s+sandbox\s+doc-broken: agents cannot start: bubblewrap \(\/nonexistent\/bwrap\) is not installed.*Fix: apt-get install bubblewrap socat/);
    expect(code, out).to.equal(1);
  });
});
