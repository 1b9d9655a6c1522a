import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { createAgentRequestStore } from '../../shared/agents/agent-requests.js';
import { closeApprovals } from '../../shared/approvals/approvals.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { addAgentRequestHost, type AgentRequestHost } from '../approvals/agent-request-host.js';
import { waitUntil } from '../support/harness.js';
import { GIT_AGENT, personGit, personRepo, shTurns } from './worktree-support.js';

/**
 * A merge a person decides: 202 with the approval; nothing merged while it waits; denied →
 * nothing merged and `agent.merge-denied`; approved → the API node that took the decision
 * merges at once (the served mirror is on its machine), once — the workers' watch that acts on
 * decisions finds it taken — and says so with `agent.merged`.
 */
describe('a merge waits for a person’s approval and is acted on by the API that takes the decision', function () {
  this.timeout(120_000);
  let stack: AgentStack;
  let worker: AgentRequestHost;
  let repo: string;
  const request = async (approvalId: string): Promise<{ status: string; error?: string; result?: { sha: string } }> =>
    stack.json('GET', `/api/agent-requests/${approvalId}`, 200);

  before(async () => {
    stack = await startAgentStack({ hosts: 0 });
    worker = await addAgentRequestHost(stack, { 'agent.args': [GIT_AGENT], 'agent.api_url': stack.api.url });
    repo = personRepo();
    await stack.json('POST', '/api/projects', 201, { body: { name: 'pm', repo } });
    await stack.createAgent({ id: 'pm-w', project: 'pm' });
    await stack.startAgent('pm-w');
    expect(await shTurns(stack)('pm-w', 'echo x > x.txt && git add x.txt && git commit -qm "x" && echo ok')).to.equal('exit 0: ok');
  });
  after(async () => {
    await worker?.close();
    if (stack) await closeApprovals(stack.apiCtx);
    await stack?.cleanup();
    rmSync(repo, { recursive: true, force: true });
  });

  it('denied: nothing is merged; approved: merged once, at once, by the API node that took the decision', async () => {
    const main = personGit(repo, 'rev-parse', 'main');
    const first = await stack.json<{ status: string; approval_id: string }>('POST', '/api/agents/pm-w/merge', 202, { body: {} });
    expect(first.status).to.equal('pending');
    // asking again while it waits answers the same approval
    expect((await stack.json<{ approval_id: string }>('POST', '/api/agents/pm-w/merge', 202, { body: {} })).approval_id).to.equal(first.approval_id);
    await stack.json('POST', `/api/approvals/${first.approval_id}/deny`, 200, { role: 'admin', body: { reason: 'not yet' } });
    await waitUntil(async () => (await request(first.approval_id)).status === 'denied', 15_000);
    expect(personGit(repo, 'rev-parse', 'main')).to.equal(main);
    expect((await stack.events('agent.merge-denied')).map((e) => e.agentId)).to.deep.equal(['pm-w']);

    const second = await stack.json<{ approval_id: string }>('POST', '/api/agents/pm-w/merge', 202, { body: {} });
    expect(second.approval_id).to.not.equal(first.approval_id);
    await stack.json('POST', `/api/approvals/${second.approval_id}/approve`, 200, { role: 'admin', body: { reason: 'looks good' } });
    // the API node that took the decision acted on it (the served mirror is on its machine),
    // before answering: no worker host had to take the job
    const done = await request(second.approval_id);
    expect(done.status, JSON.stringify(done)).to.equal('done');
    expect((await createAgentRequestStore(stack.apiCtx.redis, stack.apiCtx.keys).get(second.approval_id))?.claimed_by).to.match(/^api:/);
    expect(personGit(repo, 'rev-parse', 'main')).to.equal(done.result?.sha);
    expect(personGit(repo, 'show', 'main:x.txt')).to.equal('x');
    expect(personGit(repo, 'log', '-1', '--format=%an %s', 'main')).to.equal('test-admin Merge nox/pm-w (agent pm-w) into main');
    const merged = await stack.events('agent.merged');
    expect(merged.map((e) => e.agentId)).to.deep.equal(['pm-w']);
  });
});
