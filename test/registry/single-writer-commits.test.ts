import { expect } from 'chai';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { files } from '../../shared/registry/layout.js';
import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import { testContext } from '../support/harness.js';
import { startRegistry, type RegistryFixture } from '../support/registry-fixture.js';

describe('registry writer: one commit per change', () => {
  let reg: RegistryFixture;
  beforeEach(async () => {
    reg = await startRegistry();
  });
  afterEach(async () => {
    await reg.cleanup();
  });

  it('initialises the repository with a first commit and ignores .runtime/', async () => {
    expect(reg.git('rev-list', '--count', 'HEAD').trim()).to.equal('1');
    expect(readFileSync(path.join(reg.dir, '.gitignore'), 'utf8')).to.contain('.runtime/');
  });

  it('commits a change authored by the actor, with a message saying what changed', async () => {
    const result = await reg.client.change(
      {
        id: 'add-a1',
        message: 'add agent a1',
        changes: [
          { op: 'set', file: files.agents(), key: ['agents', 'a1'], value: { name: 'Analyst', model: 'sonnet' } },
          { op: 'replace', file: files.agentState('a1'), content: { status: 'starting' } },
        ],
      },
      'user:alice',
    );
    expect(result.sha).to.match(/^[0-9a-f]{40}$/);
    expect(result.files).to.have.members(['agents.toml', 'agents/a1/state.toml']);
    expect(reg.git('log', '-1', '--format=%an <%ae>|%s').trim()).to.equal('alice <alice@users.nox.local>|add agent a1');
    expect(reg.git('rev-parse', 'HEAD').trim()).to.equal(result.sha);
    expect(reg.client.read.agent('a1')).to.deep.equal({ name: 'Analyst', model: 'sonnet' });
    expect(reg.client.read.agentState('a1')).to.deep.equal({ status: 'starting' });
    expect(reg.git('status', '--porcelain').trim()).to.equal('');
  });

  it('applies a repeated change id once', async () => {
    const req = { id: 'push-once', message: 'remember one thing', changes: [{ op: 'push' as const, file: files.agentMemory('a1'), key: ['notes'], items: ['x'] }] };
    const first = await reg.client.change(req, 'agent:a1');
    const again = await reg.client.change(req, 'agent:a1');
    expect(again.sha === null || again.sha === first.sha).to.equal(true);
    expect(reg.client.read.agentMemory('a1')).to.deep.equal({ notes: ['x'] });
    expect(reg.git('rev-list', '--count', 'HEAD').trim()).to.equal('2');
  });

  it('refuses a change with a bad agent id before it reaches the queue', async () => {
    let err: unknown;
    try {
      await reg.client.change({ message: 'evil', changes: [{ op: 'replace', file: { family: 'agent-state', agentId: '../../etc' } as never, content: {} }] }, 'system');
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).to.equal('nox:validation-failed');
  });

  it('makes no commit for a change that leaves every file as it was', async () => {
    const set = { op: 'set' as const, file: files.agentState('a1'), key: ['status'], value: 'idle' };
    const first = await reg.client.change({ message: 'idle', changes: [set] }, 'system');
    const second = await reg.client.change({ message: 'idle again', changes: [set] }, 'system');
    expect(first.sha).to.match(/^[0-9a-f]{40}$/);
    expect(second.sha).to.equal(null);
    expect(reg.git('rev-list', '--count', 'HEAD').trim()).to.equal('2');
  });

  it('on start, commits files written before it ran (system-config.toml) but never .runtime/', async () => {
    const fresh = await startRegistry({ startWriter: false });
    try {
      mkdirSync(path.join(fresh.dir, '.runtime'), { recursive: true });
      writeFileSync(path.join(fresh.dir, '.runtime', 'up.json'), '{"pid":1}');
      writeFileSync(path.join(fresh.dir, 'system-config.toml'), '[log]\nlevel = "info"\n');
      await fresh.restartWriter();
      expect(fresh.git('ls-files').trim().split('\n').sort()).to.deep.equal(['.gitignore', 'system-config.toml']);
      writeFileSync(path.join(fresh.dir, 'system-config.toml'), '[log]\nlevel = "debug"\n');
      await fresh.restartWriter();
      expect(fresh.git('log', '-1', '--format=%s').trim()).to.equal('record 1 file(s) changed outside the writer: system-config.toml');
      expect(fresh.git('status', '--porcelain', '--ignored').trim()).to.equal('!! .runtime/');
    } finally {
      await fresh.cleanup();
    }
  });

  it('a second writer waits for the lease until the first one stops', async () => {
    const ctx2 = testContext(reg.config, 'worker');
    let second: RegistryWriter | undefined;
    try {
      const starting = startRegistryWriter(ctx2, { watchTasks: false }).then((w) => (second = w));
      await new Promise((r) => setTimeout(r, 500));
      expect(second, 'second writer started while the first held the lease').to.equal(undefined);
      await reg.writer.close();
      await starting;
      expect(second).to.not.equal(undefined);
      const done = await reg.client.change({ message: 'after handover', changes: [{ op: 'set', file: files.agentState('a1'), key: ['s'], value: 1 }] }, 'system');
      expect(done.sha).to.match(/^[0-9a-f]{40}$/);
    } finally {
      await second?.close();
      await ctx2.close();
    }
  });
});
