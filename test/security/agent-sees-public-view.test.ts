import { expect } from 'chai';
import { startApprovalStack, type ApprovalStack } from '../approvals/approval-stack.js';
import { asAgent, createAgents, expectNoPrivateBits, SECRET_BITS } from './principals-fixture.js';

/**
 * What an agent learns of the others through GET /api/agents (the tools server's
 * list_agents) and GET /api/agents/:id: their public view — id, name, status,
 * capabilities, relationships, parent, whether they run — never their system prompt, MCP
 * servers (commands, env), workdir, add_dirs, model or budget. Its own config it reads in full.
 */
describe('security: an agent sees other agents through their public view only', function () {
  this.timeout(60_000);
  let stack: ApprovalStack;
  const me = asAgent('pub-a');
  type Listed = Record<string, unknown> & { id: string };

  before(async () => {
    stack = await startApprovalStack();
    await createAgents(stack, 'pub-a', 'pub-b');
  });
  after(() => stack.cleanup());

  it('GET /api/agents: the others without prompt, MCP servers, workdir, add_dirs, model or budget; itself in full', async () => {
    const { agents } = await stack.json<{ agents: Listed[] }>('GET', '/api/agents?view=full', 200, me);
    const other = agents.find((a) => a.id === 'pub-b')!;
    expect(other).to.deep.include({ id: 'pub-b', name: 'Agent pub-b', status: 'active', capabilities: ['payroll'], view: 'public', runtime: null });
    for (const key of ['system_prompt', 'mcp_servers', 'workdir', 'add_dirs', 'model', 'max_budget_usd', 'resource_limits', 'allowed_tools', 'labels']) {
      expect(other, key).to.not.have.property(key);
    }
    expectNoPrivateBits(other, 'another agent in the list');

    const self = agents.find((a) => a.id === 'pub-a')!;
    expect(self.system_prompt).to.include(SECRET_BITS.prompt);
    expect(self).to.have.nested.property('mcp_servers.ledger.command', SECRET_BITS.command);
    expect(self).to.not.have.property('view');

    // the compact list (issue 21): the others still public, no host/label/project filter that would say what it hides
    const compact = await stack.json<{ agents: Listed[] }>('GET', '/api/agents', 200, me);
    const otherCompact = compact.agents.find((a) => a.id === 'pub-b')!;
    expect(otherCompact).to.deep.include({ id: 'pub-b', view: 'public', runtimeStatus: 'never-started' });
    for (const key of ['labels', 'hostId', 'costUsd', 'cpuPercent', 'memoryMb']) expect(otherCompact, key).to.not.have.property(key);
    expectNoPrivateBits(otherCompact, 'another agent in the compact list');
    expect(compact.agents.find((a) => a.id === 'pub-a')).to.include({ runtimeStatus: 'never-started' }).and.have.property('labels');
    for (const q of ['host=h1', 'label=team=x', 'project=p', 'sort=cost']) {
      const res = await stack.call('GET', `/api/agents?${q}`, me);
      expect(res.status, q).to.equal(403);
      expect(((await res.json()) as { code: string }).code).to.equal('nox:forbidden');
    }
  });

  it('GET /api/agents/:id: another agent’s public view; its own config in full', async () => {
    const other = await stack.json<Listed>('GET', '/api/agents/pub-b', 200, me);
    expect(other.view).to.equal('public');
    expectNoPrivateBits(other, 'GET /api/agents/pub-b');
    const self = await stack.json<Listed>('GET', '/api/agents/pub-a', 200, me);
    expect(self).to.include({ workdir: `${SECRET_BITS.workdir}/pub-a`, max_budget_usd: 12.5 });
  });

  it('people still read every config in full (view=full)', async () => {
    const { agents } = await stack.json<{ agents: Listed[] }>('GET', '/api/agents?view=full', 200, { role: 'viewer' });
    expect(agents.find((a) => a.id === 'pub-b')).to.have.nested.property('mcp_servers.ledger.command', SECRET_BITS.command);
  });
});
