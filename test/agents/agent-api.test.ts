import { expect } from 'chai';
import { startAgentStack, type AgentStack } from './agent-stack.js';

describe('/api/agents: roles, validation, paging', () => {
  let stack: AgentStack;
  before(async () => {
    stack = await startAgentStack();
  });
  after(async () => {
    await stack.cleanup();
  });

  it('people read, operators act; bad input is a 400 problem naming the field', async () => {
    await stack.createAgent({ id: 'api-1', name: 'API one' });
    const list = await stack.json<{ agents: { id: string; name: string; runtimeStatus: string }[] }>('GET', '/api/agents', 200, { role: 'viewer' });
    expect(list.agents.map((a) => a.id)).to.include('api-1');
    expect(list.agents.find((a) => a.id === 'api-1')!.runtimeStatus).to.equal('never-started');
    expect((await stack.call('POST', '/api/agents/api-1/start', { role: 'viewer' })).status).to.equal(403);
    expect((await stack.call('PATCH', '/api/agents/api-1', { role: 'viewer', body: { name: 'x' } })).status).to.equal(403);
    expect((await stack.call('DELETE', '/api/agents/api-1', { role: 'viewer' })).status).to.equal(403);

    const bad = await stack.call('POST', '/api/agents', { body: { id: 'Bad_Id', permission_mode: 'yolo' } });
    expect(bad.status).to.equal(400);
    const problem = (await bad.json()) as { code: string; errors: { path: string }[] };
    expect(problem.code).to.equal('nox:validation-failed');
    expect(problem.errors.map((e) => e.path)).to.include.members(['body.id', 'body.permission_mode']);
    const dup = await stack.call('POST', '/api/agents', { body: { id: 'api-1' } });
    expect(dup.status).to.equal(409);
    expect(((await dup.json()) as { code: string }).code).to.equal('nox:agent-exists');
    const missing = await stack.call('GET', '/api/agents/nope');
    expect(missing.status).to.equal(404);
    expect(((await missing.json()) as { code: string }).code).to.equal('nox:agent-not-found');
    expect((await stack.call('POST', '/api/agents', { body: { id: 'orphan', parent: 'no-such-parent' } })).status).to.equal(404);
  });

  it('pages the conversation by sequence number; a running agent cannot be deleted', async () => {
    await stack.createAgent({ id: 'pager' });
    await stack.startAgent('pager');
    for (const t of ['one', 'two', 'three']) await stack.turn('pager', t);
    await stack.waitResult('pager', 3);
    await stack.hosts[0]!.agents.manager.conversation.flush();
    const all = await stack.json<{ entries: { seq: number }[]; lastSeq: number }>('GET', '/api/agents/pager/conversation?limit=1000', 200, { role: 'viewer' });
    expect(all.entries.map((e) => e.seq)).to.deep.equal(all.entries.map((_, i) => i + 1));
    const page1 = await stack.json<{ entries: { seq: number }[]; next: number; more: boolean }>('GET', '/api/agents/pager/conversation?limit=4', 200);
    expect(page1.entries.map((e) => e.seq)).to.deep.equal([1, 2, 3, 4]);
    expect(page1.more).to.equal(true);
    const page2 = await stack.json<{ entries: { seq: number }[] }>('GET', `/api/agents/pager/conversation?after=${page1.next}&limit=4`, 200);
    expect(page2.entries[0]!.seq).to.equal(5);
    const busy = await stack.call('DELETE', '/api/agents/pager');
    expect(busy.status).to.equal(409);
    expect(((await busy.json()) as { code: string }).code).to.equal('nox:agent-running');
    const metrics = await stack.json<{ turns: number; costUsd: number; tokens: { input: number } }>('GET', '/api/agents/pager/metrics', 200, { role: 'viewer' });
    expect(metrics.turns).to.equal(3);
    expect(metrics.costUsd).to.be.closeTo(0.03, 1e-9);
    expect(metrics.tokens.input).to.equal(300);
  });

  it('documents every agent route in the OpenAPI document', async () => {
    const res = await stack.call('GET', '/api/openapi.json');
    expect(res.status).to.equal(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    for (const p of ['/api/agents', '/api/agents/{id}', '/api/agents/{id}/start', '/api/agents/{id}/reset', '/api/agents/{id}/conversation', '/api/agents/{id}/metrics', '/api/agent-requests/{id}']) {
      expect(doc.paths, p).to.have.property(p);
    }
    // the acts that may wait for an approval document both answers
    expect(doc.paths['/api/agents']!.post!.responses).to.include.keys('201', '202');
    expect(doc.paths['/api/agents/{id}']!.delete!.responses).to.include.keys('204', '202');
  });
});
