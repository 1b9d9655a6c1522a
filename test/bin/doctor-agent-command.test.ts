import { expect } from 'chai';
import type { HostInfo } from '../../shared/types.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { redisUrl, waitUntil } from '../support/harness.js';
import { spawnNox } from '../support/processes.js';

/**
 * `nox doctor` checks the agent command on every live host (found, its version) and the model
 * credentials the agents get (names, never values) — issue 18, item 2.
 */
describe('nox doctor: the agent command and the model credentials of every live host', function () {
  this.timeout(60_000);
  let stack: AgentStack;
  before(async () => {
    stack = await startAgentStack({ hosts: 0 });
    await stack.addHost({ 'worker.host_id': 'doc-good', 'agent.sandbox': 'off', 'agent.env': { ANTHROPIC_API_KEY: 'sk-ant-doctor-secret-value' } });
    await stack.addHost({ 'worker.host_id': 'doc-nocli', 'agent.sandbox': 'off', 'agent.command': '/nonexistent/nox-doctor/claude', 'agent.args': [] });
    await waitUntil(async () => {
      const { hosts } = await stack.json<{ hosts: HostInfo[] }>('GET', '/api/system/hosts', 200);
      return hosts.filter((h) => h.sandbox).length === 2;
    });
  });
  after(async () => {
    await stack?.cleanup();
  });

  it('ok with the version and the credential names; WARN with the fix for a missing command', async () => {
    const doctor = spawnNox(['doctor', '--url', stack.api.url], { NOX_REGISTRY_DIR: stack.config.registryDir, REDIS_URL: redisUrl(), NOX_REDIS_PREFIX: stack.config.redis.prefix, LOG_LEVEL: 'silent', ANTHROPIC_API_KEY: '' });
    await doctor.exited();
    const out = doctor.output();
    expect(out).to.match(/ok\s+agent\s+doc-good: \S+ \S+fake-claude\.mjs: 2\.1\.330-fake \(Claude Code\)/);
    expect(out).to.match(/ok\s+model\s+doc-good: agents get ANTHROPIC_API_KEY/);
    expect(out).to.match(/WARN\s+agent\s+doc-nocli: `\/nonexistent\/nox-doctor\/claude` not found: install it with `npm install -g @anthropic-ai\/claude-code` or set agent\.command/);
    expect(out).to.not.contain('sk-ant-doctor-secret-value');
    expect(out).to.not.match(/FAIL\s+(agent|model)/);
  });
});
