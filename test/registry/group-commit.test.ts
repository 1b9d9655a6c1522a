import { expect } from 'chai';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ChangeRequest, CommitResult } from '../../shared/registry/changes.js';
import { files } from '../../shared/registry/layout.js';
import { readHistory } from '../../shared/registry/registry-history.js';
import { readAppliedMarks } from '../../workers/registry/git-repo.js';
import { waitUntil } from '../support/harness.js';
import { startRegistry, type RegistryFixture } from '../support/registry-fixture.js';

/**
 * Changes waiting together in the `registry` queue are committed together: one commit,
 * each change applied once and in order, each client with its own answer, a change that
 * cannot apply failing alone, and the history still showing every change.
 */
describe('registry writer: group commits', () => {
  let reg: RegistryFixture;
  beforeEach(async () => {
    // no writer yet: the changes queue up, and the writer then finds them waiting together
    reg = await startRegistry({ startWriter: false, writer: { watchTasks: false } });
  });
  afterEach(async () => {
    await reg.cleanup();
  });

  const queued = async (n: number): Promise<void> => {
    const queue = reg.clientCtx.queue('registry');
    await waitUntil(async () => {
      const c = await queue.getJobCounts('waiting', 'prioritized');
      return (c.waiting ?? 0) + (c.prioritized ?? 0) >= n;
    }, 10_000);
  };
  const settle = (p: Promise<CommitResult>): Promise<CommitResult | { error: { code?: string; status?: number; message: string } }> =>
    p.catch((error: { code?: string; status?: number; message: string }) => ({ error }));

  it('commits the waiting changes as one commit; each client gets its own sha, id and files; history shows each change', async () => {
    const actors = ['user:alice', 'agent:a1', 'system'] as const;
    const pending = Array.from({ length: 12 }, (_, i) =>
      reg.client.change(
        {
          id: `g-${i}`,
          message: `add agent g${i}`,
          changes: [
            { op: 'set', file: files.agents(), key: ['agents', `g${i}`], value: { model: 'sonnet', n: i } },
            ...(i === 5 ? [{ op: 'push' as const, file: files.agentMemory('g5'), key: ['notes'], items: ['five'] }] : []),
          ],
        },
        actors[i % 3]!,
      ),
    );
    await queued(12);
    await reg.restartWriter();
    const results = await Promise.all(pending);

    const sha = results[0]!.sha;
    expect(sha).to.match(/^[0-9a-f]{40}$/);
    for (const [i, r] of results.entries()) {
      expect(r.changeId).to.equal(`g-${i}`);
      expect(r.actor).to.equal(actors[i % 3]);
      expect(r.message).to.equal(`add agent g${i}`);
      expect(r.sha, 'one commit for the group').to.equal(sha);
      expect(r.duplicate).to.equal(undefined);
      expect(r.files).to.deep.equal(i === 5 ? ['agents.toml', 'agents/g5/memory.toml'] : ['agents.toml']);
    }
    expect(Object.keys(reg.client.read.agents())).to.deep.equal(Array.from({ length: 12 }, (_, i) => `g${i}`));
    expect(reg.git('rev-list', '--count', 'HEAD').trim()).to.equal('2'); // the first commit, and the group
    expect(reg.git('log', '-1', '--format=%(trailers:key=Nox-Change,valueonly,separator=%x2C)').trim()).to.equal(results.map((r) => r.changeId).join(','));
    expect(reg.git('log', '-1', '--format=%an <%ae>').trim()).to.equal('alice <alice@users.nox.local>');
    expect(reg.git('log', '-1', '--format=%(trailers:key=Co-authored-by,valueonly,separator=%x2C)').trim()).to.equal('a1 <a1@agents.nox.local>,Nox <system@nox.local>');

    const [entry] = await readHistory(reg.dir, { limit: 1 });
    expect(entry!.message).to.match(/^12 changes: add agent g0; add agent g1; /);
    expect(entry!.actor).to.equal('user:alice,agent:a1,system');
    expect(entry!.changes).to.deep.equal(results.map((r) => ({ changeId: r.changeId, actor: r.actor, message: r.message })));
    // the filters find the group commit for every actor in it and every file it touched
    for (const actor of actors) expect((await readHistory(reg.dir, { actor })).map((e) => e.sha), actor).to.include(sha);
    expect((await readHistory(reg.dir, { actor: 'agent:a1' })).map((e) => e.sha)).to.deep.equal([sha]);
    expect((await readHistory(reg.dir, { path: 'agents/g5/memory.toml' })).map((e) => e.sha)).to.deep.equal([sha]);
    expect(await readHistory(reg.dir, { actor: 'agent:nobody' })).to.deep.equal([]);

    // what a restarted writer reads back: every id with its commit, at most as many as it keeps
    const marks = await readAppliedMarks(reg.dir, { maxIds: 1000 });
    for (const r of results) expect(marks.changeIds.get(r.changeId)).to.equal(sha);
    expect((await readAppliedMarks(reg.dir, { maxIds: 5 })).changeIds.size).to.equal(5);
  });

  it('a change that cannot apply fails alone, with the code it has alone, undone in every file it touched; the rest commit', async () => {
    await reg.restartWriter();
    await reg.client.change({ id: 'seed', message: 'seed', changes: [{ op: 'set', file: files.agents(), key: ['agents', 'base'], value: { model: 'sonnet' } }] }, 'system');
    await reg.writer.close();

    const requests: ChangeRequest[] = [
      { id: 'ok-0', message: 'ok 0', changes: [{ op: 'set', file: files.agents(), key: ['agents', 'ok0'], value: { model: 'a' } }] },
      // refused by the file's schema: not an agent id
      { id: 'bad-1', message: 'bad 1', changes: [{ op: 'set', file: files.agents(), key: ['agents', 'Not_An_Id'], value: { model: 'b' } }] },
      // its first operation applies, its second cannot: both undone
      {
        id: 'bad-2',
        message: 'bad 2',
        changes: [
          { op: 'push', file: files.agentMemory('x'), key: ['notes'], items: ['never'] },
          { op: 'set', file: files.agents(), key: ['agents', 'ok0', 'model', 'deep'], value: 1 },
        ],
      },
      { id: 'ok-3', message: 'ok 3', changes: [{ op: 'push', file: files.agentMemory('x'), key: ['notes'], items: ['kept'] }, { op: 'merge', file: files.agents(), key: ['agents', 'ok0'], value: { tier: 2 } }] },
      // not representable in TOML
      { id: 'bad-4', message: 'bad 4', changes: [{ op: 'push', file: files.agentMemory('x'), key: ['notes'], items: [null] }] },
    ];
    const pending = requests.map((r) => settle(reg.client.change(r, 'user:bob')));
    await queued(requests.length);
    await reg.restartWriter();
    const outcomes = await Promise.all(pending);

    const ok = outcomes.filter((o): o is CommitResult => !('error' in o));
    expect(ok.map((r) => r.changeId)).to.deep.equal(['ok-0', 'ok-3']);
    expect(ok[0]!.sha).to.equal(ok[1]!.sha);
    for (const i of [1, 2, 4]) {
      const failed = outcomes[i] as { error: { code?: string; status?: number } };
      expect(failed.error.code, requests[i]!.id).to.equal('nox:registry-change-failed');
      expect(failed.error.status).to.equal(422);
    }
    expect(reg.client.read.agentMemory('x')).to.deep.equal({ notes: ['kept'] });
    expect(reg.client.read.agent('ok0')).to.deep.equal({ model: 'a', tier: 2 });
    expect(reg.client.read.agent('Not_An_Id')).to.equal(undefined);
    expect(reg.git('log', '-1', '--format=%(trailers:key=Nox-Change,valueonly,separator=%x2C)').trim()).to.equal('ok-0,ok-3');
    expect(reg.git('status', '--porcelain').trim()).to.equal('');

    // the same refusal sent alone answers the same code
    const alone = await settle(reg.client.change({ ...requests[1]!, id: 'bad-1-alone' }, 'user:bob'));
    expect((alone as { error: { code?: string } }).error.code).to.equal('nox:registry-change-failed');
    expect(existsSync(path.join(reg.dir, '.runtime', 'registry-journal.json'))).to.equal(false);
  });

  it('a change id already committed is answered as a duplicate with the sha that applied it', async () => {
    await reg.restartWriter();
    const first = await reg.client.change({ id: 'once', message: 'once', changes: [{ op: 'push', file: files.agentMemory('d'), key: ['n'], items: [1] }] }, 'system');
    // the completed job is gone from the queue (as after a writer restart): the id is recognised from the trailers
    await reg.clientCtx.queue('registry').clean(0, 1000, 'completed');
    await reg.restartWriter();
    const again = await reg.client.change({ id: 'once', message: 'once', changes: [{ op: 'push', file: files.agentMemory('d'), key: ['n'], items: [1] }] }, 'system');
    expect(again.duplicate).to.equal(true);
    expect(again.sha).to.equal(first.sha);
    expect(reg.client.read.agentMemory('d')).to.deep.equal({ n: [1] });
  });
});
