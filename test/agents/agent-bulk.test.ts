import { expect } from 'chai';
import { startAgentStack, type AgentStack } from './agent-stack.js';

interface BulkAnswer {
  action: string;
  matched: number;
  succeeded: number;
  failed: number;
  results: { id: string; ok: boolean; result?: Record<string, unknown>; status?: number; code?: string; detail?: string }[];
}

describe('POST /api/agents/bulk: create from a template, act by selector, a result per agent (issue 21)', function () {
  this.timeout(60_000);
  let stack: AgentStack;
  before(async () => {
    stack = await startAgentStack();
  });
  after(async () => {
    await stack.cleanup();
  });

  const bulk = (body: unknown, status = 200): Promise<BulkAnswer> => stack.json<BulkAnswer>('POST', '/api/agents/bulk', status, { body });
  const ids = async (query: string): Promise<string[]> =>
    (await stack.json<{ agents: { id: string }[] }>('GET', `/api/agents?limit=1000&${query}`, 200)).agents.map((a) => a.id);

  it('creates N agents from a template, numbered after the highest one taken, each with the template’s config', async () => {
    await stack.createAgent({ id: 'tpl', system_prompt: 'You are one of many.', allowed_tools: ['Read'], labels: { pool: 'blue' } });
    const first = await bulk({ action: 'create', template: 'tpl', count: 12 });
    expect(first.matched).to.equal(12);
    expect(first.failed).to.equal(0);
    expect(first.results.map((r) => r.id)).to.deep.equal(Array.from({ length: 12 }, (_, i) => `tpl-${String(i + 1).padStart(3, '0')}`));
    const again = await bulk({ action: 'create', template: 'tpl', count: 2, labels: { wave: 'two' } });
    expect(again.results.map((r) => r.id)).to.deep.equal(['tpl-013', 'tpl-014']);
    const copy = await stack.json<{ system_prompt: string; allowed_tools: string[]; labels: Record<string, string>; name: string }>('GET', '/api/agents/tpl-014', 200);
    expect(copy.system_prompt).to.equal('You are one of many.');
    expect(copy.allowed_tools).to.deep.equal(['Read']);
    expect(copy.labels).to.deep.equal({ pool: 'blue', wave: 'two' });
    expect(copy.name).to.equal('tpl-014');
    expect(await ids('label=wave=two')).to.deep.equal(['tpl-013', 'tpl-014']);
    expect((await stack.call('POST', '/api/agents/bulk', { body: { action: 'create', template: 'no-such-template', count: 2 } })).status).to.equal(404);
    expect((await stack.call('POST', '/api/agents/bulk', { body: { action: 'create', template: 'tpl', count: 0 } })).status).to.equal(400);
    expect((await stack.call('POST', '/api/agents/bulk', { role: 'viewer', body: { action: 'create', template: 'tpl', count: 1 } })).status).to.equal(403);
  });

  it('starts, stops and deletes by selector; a running agent’s deletion fails alone and says why', async () => {
    for (const id of ['crew-a', 'crew-b', 'crew-c']) await stack.createAgent({ id });
    expect((await stack.call('POST', '/api/agents/bulk', { body: { action: 'stop', selector: {} } })).status).to.equal(400);
    const started = await bulk({ action: 'start', selector: { q: 'crew-' } });
    expect(started.results.map((r) => [r.id, r.ok])).to.deep.equal([
      ['crew-a', true],
      ['crew-b', true],
      ['crew-c', true],
    ]);
    for (const r of started.results) expect(r.result!.jobId, r.id).to.be.a('string');
    for (const id of ['crew-a', 'crew-b', 'crew-c']) await stack.waitStatus(id, 'idle');
    expect(await ids('q=crew-&status=idle')).to.deep.equal(['crew-a', 'crew-b', 'crew-c']);

    const stopped = await bulk({ action: 'stop', selector: { ids: ['crew-a', 'crew-b', 'nobody-here'] }, reason: 'bulk test' });
    expect(stopped.succeeded).to.equal(2);
    expect(stopped.failed).to.equal(1);
    const nobody = stopped.results.find((r) => r.id === 'nobody-here')!;
    expect([nobody.ok, nobody.status, nobody.code]).to.deep.equal([false, 404, 'nox:agent-not-found']);
    for (const id of ['crew-a', 'crew-b']) await stack.waitStatus(id, 'stopped');

    // crew-c still runs: its deletion is refused, the stopped ones' deletions go on
    const deleted = await bulk({ action: 'delete', selector: { q: 'crew-' } });
    expect(deleted.matched).to.equal(3);
    const c = deleted.results.find((r) => r.id === 'crew-c')!;
    expect([c.ok, c.status, c.code]).to.deep.equal([false, 409, 'nox:agent-running']);
    for (const id of ['crew-a', 'crew-b']) {
      const r = deleted.results.find((x) => x.id === id)!;
      expect(r.ok, JSON.stringify(r)).to.equal(true);
      // a delete_agent approval, as for one agent: done at once, or waiting for a person
      expect(r.result!.deleted === true || typeof r.result!.approval_id === 'string', JSON.stringify(r.result)).to.equal(true);
    }
    const byStatus = await bulk({ action: 'stop', selector: { status: ['idle'], q: 'crew-' } });
    expect(byStatus.results.map((r) => [r.id, r.ok])).to.deep.equal([['crew-c', true]]);
    await stack.waitStatus('crew-c', 'stopped');
  });
});
