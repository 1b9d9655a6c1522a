import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { files, utcDate } from '../../shared/registry/layout.js';
import { startRegistry, type RegistryFixture } from '../support/registry-fixture.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/crashing-writer.ts', import.meta.url));

/** A writer SIGKILLed in the middle of a commit; the next writer repairs and applies once. */
describe('registry writer: crash repair', () => {
  let reg: RegistryFixture;
  beforeEach(async () => {
    reg = await startRegistry();
    await reg.writer.close(); // the child process is the writer until it dies
  });
  afterEach(async () => {
    await reg.cleanup();
  });

  const crashAt = async (point: string): Promise<void> => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, point], {
      env: { ...process.env, NOX_TEST_REGISTRY_DIR: reg.dir, NOX_TEST_PREFIX: reg.config.redis.prefix },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, signal) => resolve(signal)));
    const changed = reg.client.change(
      {
        id: `crash-${point}`,
        message: 'add a note and an agent',
        changes: [
          { op: 'push', file: files.agentMemory('a1'), key: ['notes'], items: ['remember me'] },
          { op: 'set', file: files.agents(), key: ['agents', 'a1'], value: { model: 'sonnet' } },
        ],
      },
      'agent:a1',
      { timeoutMs: 30_000 },
    );
    expect(await exited).to.equal('SIGKILL');
    expect(existsSync(path.join(reg.dir, '.git', 'index.lock'))).to.equal(true);
    // The next writer: removes the lock, repairs, and the stalled job runs again.
    await reg.restartWriter();
    const result = await changed;
    expect(result.changeId).to.equal(`crash-${point}`);
  };

  const assertAppliedOnce = (point: string): void => {
    expect(reg.client.read.agentMemory('a1')).to.deep.equal({ notes: ['remember me'] });
    expect(reg.client.read.agent('a1')).to.deep.equal({ model: 'sonnet' });
    expect(reg.git('log', '--format=%(trailers:key=Nox-Change,valueonly)').split('\n').filter((l) => l.trim() === `crash-${point}`)).to.have.length(1);
    expect(existsSync(path.join(reg.dir, '.git', 'index.lock'))).to.equal(false);
    expect(reg.git('status', '--porcelain').trim()).to.equal('');
    expect(reg.git('fsck', '--strict', '--no-progress')).to.not.match(/error|missing|broken/i);
    expect(readdirSync(path.join(reg.dir, 'agents', 'a1')).filter((f) => f.includes('nox-tmp'))).to.deep.equal([]);
  };

  it('killed after writing the files but before the commit: files restored, change applied once', async () => {
    await crashAt('after-write');
    assertAppliedOnce('after-write');
    expect(reg.writer.repaired.locks).to.include('.git/index.lock');
    expect(reg.writer.repaired.journal?.restored).to.include('agents/a1/memory.toml');
  });

  it('killed after the commit but before the job completed: the retry is recognised and not applied again', async () => {
    await crashAt('after-commit');
    assertAppliedOnce('after-commit');
    expect(reg.writer.repaired.journal?.restored).to.deep.equal([]);
  });

  it('a merge a killed writer left in progress is abandoned on start, and made again by the retry', async () => {
    await reg.restartWriter();
    const setModel = (id: string, model: string) => reg.client.change({ message: `${id} ${model}`, changes: [{ op: 'set', file: files.agents(), key: ['agents', id], value: { model } }] }, 'user:alice');
    await setModel('a1', 'sonnet');
    await reg.client.branch({ action: 'create', name: 'exp' }, 'user:alice');
    await reg.client.branch({ action: 'switch', name: 'exp' }, 'user:alice');
    await setModel('a2', 'opus');
    await reg.client.branch({ action: 'switch', name: 'main' }, 'user:alice');
    await reg.writer.close();
    // what a writer killed between `merge --no-commit` and its commit leaves
    const head = reg.git('rev-parse', 'HEAD').trim();
    reg.git('merge', '-q', '--no-ff', '--no-commit', 'exp');
    expect(existsSync(path.join(reg.dir, '.git', 'MERGE_HEAD'))).to.equal(true);

    await reg.restartWriter();
    expect(reg.writer.repaired.mergeAbandoned).to.equal(true);
    expect(existsSync(path.join(reg.dir, '.git', 'MERGE_HEAD'))).to.equal(false);
    expect(reg.git('rev-parse', 'HEAD').trim(), 'nothing half-merged was committed as an outside edit').to.equal(head);
    expect(reg.git('status', '--porcelain').trim()).to.equal('');
    expect(reg.client.read.agent('a2')).to.equal(undefined);

    const merged = await reg.client.branch({ action: 'merge', name: 'exp' }, 'user:alice');
    expect(merged.sha).to.match(/^[0-9a-f]{40}$/);
    expect(reg.git('log', '-1', '--format=%P').trim().split(' ')).to.deep.equal([head, reg.git('rev-parse', 'exp').trim()]);
    expect(reg.client.read.agent('a2')).to.deep.equal({ model: 'opus' });
  });

  for (const point of ['after-write', 'after-commit']) {
    it(`a batch of appends interrupted ${point} is committed once, no line lost or doubled`, async () => {
      for (let i = 0; i < 5; i++) await reg.client.append({ target: 'conversation', agentId: 'a1', entry: { role: 'user', text: `line ${i}` } });
      const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, point], {
        env: { ...process.env, NOX_TEST_REGISTRY_DIR: reg.dir, NOX_TEST_PREFIX: reg.config.redis.prefix },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      // The child's interval flush commits the batch and dies at the fault point.
      expect(await new Promise((resolve) => child.once('exit', (_c, signal) => resolve(signal)))).to.equal('SIGKILL');
      await reg.restartWriter();
      await reg.client.flush();
      expect(reg.client.read.conversation('a1', utcDate()).map((e) => e.text)).to.deep.equal(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
      const batches = reg.git('log', '--format=%(trailers:key=Nox-Kind,valueonly)').split('\n').filter((l) => l.trim() === 'batch');
      expect(batches).to.have.length(1);
      expect(await reg.clientCtx.redis.llen(reg.clientCtx.keys.registryAppends())).to.equal(0);
      expect(reg.git('status', '--porcelain').trim()).to.equal('');
    });
  }
});
