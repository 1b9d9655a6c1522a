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
