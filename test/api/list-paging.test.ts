import { expect } from 'chai';
import { tokenFor, waitUntil } from '../support/harness.js';
import { spawnNox } from '../support/processes.js';
import { startCollabStack, type CollabStack } from '../messages/support/collab-stack.js';

interface MessagePage {
  messages: { id: string; timestamp: string }[];
  total: number;
  next: string | null;
}
interface ApprovalPage {
  approvals: { id: string; created_at: string }[];
  total: number;
  next: string | null;
}

/**
 * GET /api/messages and GET /api/approvals page by keyset cursors (issue 21, like
 * /api/agents and /api/tasks): a walk, newest first, never skips nor repeats an item while
 * others are added — messages of one batch share their millisecond, so ties are walked
 * by id — and a cursor from another list is a 400.
 */
describe('messages and approvals: cursor paging under concurrent inserts', function () {
  this.timeout(120_000);
  let stack: CollabStack;

  before(async () => {
    stack = await startCollabStack();
    await stack.createAgent('pg-a', false);
  });
  after(async () => {
    await stack.cleanup();
  });

  /** follows `next` with pages of `limit`, adding items between pages; answers the ids seen, in order */
  const walk = async <P extends { next: string | null }>(first: string, limit: number, items: (p: P) => string[], between: (page: number) => Promise<unknown>): Promise<string[]> => {
    const seen: string[] = [];
    for (let cursor: string | null = '', n = 0; cursor !== null; n++) {
      const page: P = await stack.json<P>('GET', `${first}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, 200);
      seen.push(...items(page));
      cursor = page.next;
      await between(n);
    }
    return seen;
  };

  it('walks the message log newest first, ties of a batch by id, never skipping nor repeating while messages arrive', async () => {
    // 120 in one batch (one timestamp), then 30 one by one
    const batch = await stack.json<{ ids: string[] }>('POST', '/api/messages/batch', 202, { body: { messages: Array.from({ length: 120 }, (_, i) => ({ to: 'pg-a', content: `b${i}` })) } });
    const singles: string[] = [];
    for (let i = 0; i < 30; i++) singles.push((await stack.json<{ id: string }>('POST', '/api/messages', 202, { body: { to: 'pg-a', content: `s${i}` } })).id);
    const before = [...batch.ids, ...singles];
    await waitUntil(async () => (await stack.json<MessagePage>('GET', '/api/messages?agent=pg-a&limit=1', 200)).total === 150, 20_000);

    const added: string[] = [];
    const seen = await walk<MessagePage>('/api/messages?agent=pg-a', 7, (p) => p.messages.map((m) => m.id), async () => {
      added.push((await stack.json<{ id: string }>('POST', '/api/messages', 202, { body: { to: 'pg-a', content: 'meanwhile' } })).id);
    });
    expect(new Set(seen).size, 'no message twice').to.equal(seen.length);
    expect(before.filter((id) => !seen.includes(id)), 'none of those there before the walk skipped').to.deep.equal([]);
    // what arrived during the walk is newer than the cursor: not in this walk
    expect(seen.filter((id) => added.includes(id))).to.deep.equal([]);
    // newest first: the singles (newest last sent), then the batch
    expect(seen.slice(0, 30)).to.deep.equal([...singles].reverse());
  });

  it('pages the approvals (the whole index and a filtered list) the same way', async () => {
    const ask = async (agentId: string, i: number): Promise<string> => (await stack.json<{ id: string }>('POST', '/api/approvals', 202, { token: tokenFor('agent', agentId, agentId), body: { description: `may I ${i}?` } })).id;
    const mine: string[] = [];
    const others: string[] = [];
    for (let i = 0; i < 25; i++) {
      mine.push(await ask('pg-a', i));
      others.push(await ask('pg-b', i));
    }
    for (const [query, expected] of [
      ['/api/approvals?status=all', [...mine, ...others]],
      ['/api/approvals?agent=pg-a', mine],
    ] as const) {
      const added: string[] = [];
      const seen = await walk<ApprovalPage>(query, 4, (p) => p.approvals.map((a) => a.id), async (n) => added.push(await ask(n % 2 ? 'pg-a' : 'pg-b', 100 + n)));
      expect(new Set(seen).size, `${query}: no approval twice`).to.equal(seen.length);
      expect(expected.filter((id) => !seen.includes(id)), `${query}: none skipped`).to.deep.equal([]);
      expect(seen.filter((id) => added.includes(id)), `${query}: what came during the walk is not in it`).to.deep.equal([]);
    }
    // newest first: creation time, then id, descending
    const all = (await stack.json<ApprovalPage>('GET', '/api/approvals?agent=pg-a&limit=500', 200)).approvals;
    const keys = all.map((a) => [Date.parse(a.created_at), a.id] as const);
    expect(keys.every((k, i) => i === 0 || keys[i - 1]![0] > k[0] || (keys[i - 1]![0] === k[0] && keys[i - 1]![1] > k[1]))).to.equal(true);
  });

  it('the CLI follows the cursors: nox messages and nox approvals, several requests, the same items as one page', async () => {
    const env = { NOX_API_URL: stack.api.url, NOX_TOKEN: tokenFor('operator'), NOX_REGISTRY_DIR: stack.config.registryDir, LOG_LEVEL: 'silent' };
    const run = async (args: string[]): Promise<string[]> => {
      const p = spawnNox(args, env);
      expect((await p.exited()).code, p.output()).to.equal(0);
      return p.output().split('\n').filter((l) => l.includes('\t'));
    };
    const oneGo = (await stack.json<MessagePage>('GET', '/api/messages?agent=pg-a&limit=40', 200)).messages.map((m) => m.id);
    const lines = await run(['messages', '--agent', 'pg-a', '--limit', '40', '--page-size', '6']);
    expect(lines.map((l) => l.split('\t')[1])).to.deep.equal(oneGo);
    const approvals = (await stack.json<ApprovalPage>('GET', '/api/approvals?status=all&agent=pg-b&limit=500', 200)).approvals.map((a) => a.id);
    const listed = await run(['approvals', '--status', 'all', '--agent', 'pg-b', '--all', '--page-size', '4']);
    expect(listed.map((l) => l.split('\t')[0])).to.deep.equal(approvals);
  });

  it('refuses a cursor from another list or made up, with a 400', async () => {
    const tasks = await stack.json<{ next: string | null }>('GET', '/api/messages?agent=pg-a&limit=1', 200);
    const fromMessages = tasks.next!;
    const wrong = await stack.call('GET', `/api/approvals?cursor=${encodeURIComponent(fromMessages)}`);
    expect(wrong.status).to.equal(400);
    expect(((await wrong.json()) as { code: string }).code).to.equal('nox:validation-failed');
    expect((await stack.call('GET', '/api/messages?cursor=not-a-cursor')).status).to.equal(400);
    // an offset is no longer a parameter
    expect((await stack.call('GET', '/api/messages?offset=2')).status).to.equal(400);
  });
});
