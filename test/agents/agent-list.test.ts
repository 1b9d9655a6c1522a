import { expect } from 'chai';
import { startAgentStack, type AgentStack } from './agent-stack.js';

interface Item {
  id: string;
  name: string;
  runtimeStatus: string;
  hostId: string | null;
  labels: Record<string, string>;
  parent?: string;
  system_prompt?: string;
  runtime?: unknown;
}
interface Page {
  agents: Item[];
  next: string | null;
  total: number;
  counts: Record<string, number>;
}

describe('GET /api/agents: pages, filters, counts, ETag (issue 21)', () => {
  let stack: AgentStack;
  before(async () => {
    stack = await startAgentStack();
  });
  after(async () => {
    await stack.cleanup();
  });

  const create = (id: string, extra: Record<string, unknown> = {}): Promise<unknown> => stack.json('POST', '/api/agents', 201, { body: { id, ...extra } });

  /** every page of one walk, each asked for after the previous one answered */
  const walk = async (query: string, between?: () => Promise<unknown>): Promise<string[]> => {
    const seen: string[] = [];
    for (let cursor: string | null = null, first = true; first || cursor !== null; first = false) {
      const page: Page = await stack.json<Page>('GET', `/api/agents?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, 200, { role: 'viewer' });
      seen.push(...page.agents.map((a) => a.id));
      cursor = page.next;
      await between?.();
    }
    return seen;
  };

  it('a walk by id or by creation time never skips nor repeats an agent while others are created', async () => {
    for (const sort of ['id', 'created'] as const) {
      const batch = `walk-${sort}`;
      const name = (i: number): string => `${batch}-${String(i).padStart(3, '0')}`;
      const before = Array.from({ length: 24 }, (_, i) => name(i * 2));
      await Promise.all(before.map((id) => create(id, { labels: { batch } })));
      // created during the walk: by id they sort between the ones that were there (odd numbers)
      const during = Array.from({ length: 24 }, (_, i) => name(i * 2 + 1));
      let k = 0;
      const seen = await walk(`label=batch=${batch}&limit=5&sort=${sort}`, async () => {
        // three creates (concurrent, so they share group commits) between two pages
        const next = during.slice(k, k + 3);
        k += 3;
        await Promise.all(next.map((id) => create(id, { labels: { batch } })));
      });
      expect(k, 'creates happened during the walk').to.be.greaterThan(9);
      expect(new Set(seen).size, `a repeat in ${seen.join(' ')}`).to.equal(seen.length);
      for (const id of before) expect(seen, `${id} skipped (sort ${sort})`).to.include(id);
      const created = during.slice(0, k);
      // by creation time, what is created during the walk comes after the cursor: all of it is seen
      if (sort === 'created') for (const id of created) expect(seen, `${id} created during the walk`).to.include(id);
      for (const id of seen) expect([...before, ...created]).to.include(id);
      const everything = await walk(`label=batch=${batch}&limit=7&order=desc`);
      expect(everything).to.deep.equal([...before, ...created].sort().reverse());
    }
  });

  it('filters by runtime status, label, project, parent and text; counts by runtime status; full view on request', async () => {
    await create('flt-boss', { name: 'The Boss', labels: { team: 'red', project: 'apollo' } });
    // labels are placement labels too: the one that starts carries none (the host has none)
    await create('flt-kid-1', { parent: 'flt-boss' });
    await create('flt-kid-2', { parent: 'flt-boss', labels: { team: 'red', project: 'zeus' }, system_prompt: 'You help.' });
    await stack.startAgent('flt-kid-1');

    const q = async (query: string): Promise<Page> => stack.json<Page>('GET', `/api/agents?q=flt-&${query}`, 200, { role: 'viewer' });
    const ids = (p: Page): string[] => p.agents.map((a) => a.id);
    expect(ids(await q(''))).to.deep.equal(['flt-boss', 'flt-kid-1', 'flt-kid-2']);
    const idle = await q('status=idle');
    expect(ids(idle)).to.deep.equal(['flt-kid-1']);
    expect(idle.agents[0]!.runtimeStatus).to.equal('idle');
    expect(idle.agents[0]!.hostId).to.equal(stack.hosts[0]!.id);
    // counts ignore the status filter (they are what the status filter can choose from)
    expect(idle.counts).to.deep.equal({ idle: 1, 'never-started': 2 });
    expect(idle.total).to.equal(1);
    expect(ids(await q('status=never-started,idle'))).to.have.length(3);
    expect(ids(await q('status=never-started'))).to.deep.equal(['flt-boss', 'flt-kid-2']);
    expect(ids(await q(`host=${stack.hosts[0]!.id}`))).to.deep.equal(['flt-kid-1']);
    expect(ids(await q('label=team=red'))).to.deep.equal(['flt-boss', 'flt-kid-2']);
    expect(ids(await q('label=team=red&label=project=apollo'))).to.deep.equal(['flt-boss']);
    expect(ids(await q('label=project'))).to.deep.equal(['flt-boss', 'flt-kid-2']);
    expect(ids(await q('project=zeus'))).to.deep.equal(['flt-kid-2']);
    expect(ids(await q('parent=flt-boss'))).to.deep.equal(['flt-kid-1', 'flt-kid-2']);
    expect(ids(await stack.json<Page>('GET', '/api/agents?q=the%20BOSS', 200))).to.deep.equal(['flt-boss']);
    expect(ids(await q('sort=status&order=desc'))).to.deep.equal(['flt-kid-2', 'flt-boss', 'flt-kid-1']);
    // compact items carry no config; view=full does
    const compact = (await q('parent=flt-boss')).agents.find((a) => a.id === 'flt-kid-2')!;
    expect(compact).to.not.have.property('system_prompt');
    expect(compact.labels).to.deep.equal({ team: 'red', project: 'zeus' });
    const full = (await q('parent=flt-boss&view=full')).agents.find((a) => a.id === 'flt-kid-2')!;
    expect(full.system_prompt).to.equal('You help.');
    expect(full.runtime).to.equal(null);

    const bad = await stack.call('GET', '/api/agents?sort=colour&limit=0');
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).to.include.members(['query.sort', 'query.limit']);
    const foreign = await stack.call('GET', `/api/agents?sort=name&cursor=${encodeURIComponent((await q('limit=1')).next!)}`);
    expect(foreign.status).to.equal(400);
    expect((await stack.call('GET', '/api/agents?cursor=not-a-cursor')).status).to.equal(400);
  });

  it('answers 304 to If-None-Match while the list is unchanged, and a new tag once an agent is created or changes status', async () => {
    await create('etag-1');
    const first = await stack.call('GET', '/api/agents?q=etag-');
    const tag = first.headers.get('etag');
    expect(first.status).to.equal(200);
    expect(tag).to.be.a('string');
    const same = await stack.call('GET', '/api/agents?q=etag-', { headers: { 'If-None-Match': tag! } });
    expect(same.status).to.equal(304);
    // another query has another tag
    expect((await stack.call('GET', '/api/agents?q=etag-&limit=1')).headers.get('etag')).to.not.equal(tag);
    await create('etag-2');
    const afterCreate = await stack.call('GET', '/api/agents?q=etag-', { headers: { 'If-None-Match': tag! } });
    expect(afterCreate.status).to.equal(200);
    expect(((await afterCreate.json()) as Page).agents.map((a) => a.id)).to.deep.equal(['etag-1', 'etag-2']);
    const tag2 = afterCreate.headers.get('etag')!;
    await stack.startAgent('etag-1');
    const afterStart = await stack.call('GET', '/api/agents?q=etag-', { headers: { 'If-None-Match': tag2 } });
    expect(afterStart.status).to.equal(200);
    expect(((await afterStart.json()) as Page).agents[0]!.runtimeStatus).to.equal('idle');
  });
});
