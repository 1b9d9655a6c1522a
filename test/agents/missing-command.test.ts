import { expect } from 'chai';
import { startAgentStack } from './agent-stack.js';

describe('a missing agent command (issue 18, item 2): failed at once with the reason, no restarts', () => {
  it('an agent.command that is not on the host fails the agent naming the host and the fix', async () => {
    const stack = await startAgentStack({ overrides: { 'agent.command': '/nonexistent/nox-test/claude', 'agent.args': [], 'agent.circuit_max_crashes': 5, 'agent.restart_backoff_ms': 20 } });
    try {
      await stack.createAgent({ id: 'nocli' });
      await stack.call('POST', '/api/agents/nocli/start');
      const failed = await stack.waitStatus('nocli', 'failed');
      const hostId = stack.hosts[0]!.id;
      expect(failed.reason).to.contain(`not found on host ${hostId}`);
      expect(failed.reason).to.contain('npm install -g @anthropic-ai/claude-code');
      expect(failed.circuitOpen ?? false).to.equal(false);
      const statuses = (await stack.events('agent.status')).filter((e) => e.agentId === 'nocli').map((e) => (e.data as { status: string }).status);
      expect(statuses).to.not.include('restarting');
      expect(statuses).to.not.include('crashed');
      expect(stack.hosts[0]!.agents.manager.running()).to.equal(0);
      // the API shows the same reason
      const shown = (await stack.json('GET', '/api/agents/nocli', 200)) as { runtime?: { reason?: string } };
      expect(JSON.stringify(shown)).to.contain('not found on host');
    } finally {
      await stack.cleanup();
    }
  });

  it('a command that vanishes after a crash fails the agent instead of counting restarts', async () => {
    const { mkdtempSync, copyFileSync, rmSync, chmodSync } = await import('node:fs');
    const path = await import('node:path');
    const os = await import('node:os');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nox-cmd-'));
    const node = path.join(dir, 'node');
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
    const stack = await startAgentStack({ overrides: { 'agent.command': node, 'agent.circuit_max_crashes': 5, 'agent.restart_backoff_ms': 20 } });
    try {
      await stack.createAgent({ id: 'gone' });
      await stack.startAgent('gone');
      rmSync(dir, { recursive: true, force: true });
      await stack.turn('gone', 'crash 7');
      const failed = await stack.waitStatus('gone', 'failed');
      expect(failed.reason).to.contain('not found on host');
      expect(failed.circuitOpen ?? false).to.equal(false);
      const statuses = (await stack.events('agent.status')).filter((e) => e.agentId === 'gone').map((e) => (e.data as { status: string }).status);
      // one crash (the exit), one restart attempt that finds no program, then failed: no storm
      expect(statuses.filter((s) => s === 'restarting')).to.have.length(1);
    } finally {
      await stack.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
