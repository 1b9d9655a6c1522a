import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Actor, CommitResult } from '../../shared/registry/changes.js';
import { files } from '../../shared/registry/layout.js';
import { waitUntil } from '../support/harness.js';
import { startRegistry, type RegistryFixture } from '../support/registry-fixture.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/crashing-writer.ts', import.meta.url));
const CHANGES = 30;
const GROUP_MAX = 8;

/**
 * A writer SIGKILLed in the middle of a group commit (a real child process; many changes
 * queued, groups of at most 8, killed in the second group): the next writer repairs, and
 * every change is applied exactly once and every waiting client answered — a change whose
 * commit had landed is answered as a duplicate carrying that commit's sha.
 */
describe('registry writer: killed in the middle of a group commit', function () {
  this.timeout(90_000);
  let reg: RegistryFixture;
  beforeEach(async () => {
    reg = await startRegistry({ overrides: { 'registry.group_max': GROUP_MAX }, writer: { watchTasks: false } });
    await reg.writer.close(); // the child process is the writer until it dies
  });
  afterEach(async () => {
    await reg.cleanup();
  });

  const actors: Actor[] = ['user:alice', 'agent:a1', 'agent:a2'];
  const request = (i: number) => ({
    id: `crash-group-${i}`,
    message: `change ${i}`,
    changes: [
      { op: 'push' as const, file: files.agentMemory('shared'), key: ['log'], items: [i] },
      { op: 'set' as const, file: files.agents(), key: ['agents', `c${i}`], value: { n: i } },
      { op: 'push' as const, file: files.agentMemory(`s${i % 3}`), key: ['seen'], items: [i] },
    ],
  });

  for (const point of ['mid-write', 'after-write', 'after-commit']) {
    it(`killed ${point} in the second group: each change applied once, each client answered`, async () => {
      const pending = Array.from({ length: CHANGES }, (_, i) => reg.client.change(request(i), actors[i % 3]!, { timeoutMs: 60_000 }));
      const queue = reg.clientCtx.queue('registry');
      await waitUntil(async () => {
        const c = await queue.getJobCounts('waiting', 'prioritized');
        return (c.waiting ?? 0) + (c.prioritized ?? 0) >= CHANGES;
      }, 10_000);

      const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, point, '2', '2'], {
        env: { ...process.env, NOX_TEST_REGISTRY_DIR: reg.dir, NOX_TEST_PREFIX: reg.config.redis.prefix, NOX_TEST_GROUP_MAX: String(GROUP_MAX) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let said = '';
      child.stdout.on('data', (c: Buffer) => (said += c.toString()));
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, s) => resolve(s)));
      expect(signal, said).to.equal('SIGKILL');
      const killedIn = (/dying at \S+ with (\S+)/.exec(said)?.[1] ?? '').split(',');
      expect(killedIn.length, 'the killed commit held a group').to.be.greaterThan(1);

      await reg.restartWriter();
      expect(reg.writer.repaired.journal?.changeIds).to.deep.equal(killedIn);
      if (point === 'after-commit') expect(reg.writer.repaired.journal?.restored).to.deep.equal([]);
      else expect(reg.writer.repaired.journal?.restored).to.include('agents.toml');
      const results: CommitResult[] = await Promise.all(pending);

      for (const [i, r] of results.entries()) {
        expect(r.changeId).to.equal(`crash-group-${i}`);
        expect(r.sha, r.changeId).to.match(/^[0-9a-f]{40}$/);
      }
      if (point === 'after-commit') {
        // the commit landed: its changes are answered from the trailers, with its sha
        const landed = results.filter((r) => killedIn.includes(r.changeId));
        expect(landed.every((r) => r.duplicate === true)).to.equal(true);
        expect(new Set(landed.map((r) => r.sha)).size).to.equal(1);
      } else {
        expect(results.some((r) => r.duplicate)).to.equal(false);
      }

      // exactly once, everywhere
      const log = reg.client.read.agentMemory('shared').log as number[];
      expect([...log].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: CHANGES }, (_, i) => i));
      for (let s = 0; s < 3; s++) {
        const seen = reg.client.read.agentMemory(`s${s}`).seen as number[];
        expect([...seen].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: CHANGES }, (_, i) => i).filter((i) => i % 3 === s));
      }
      expect(Object.keys(reg.client.read.agents())).to.have.length(CHANGES);
      const ids = reg.git('log', '--format=%(trailers:key=Nox-Change,valueonly)').split('\n').filter((l) => l.startsWith('crash-group-'));
      expect(ids).to.have.length(CHANGES);
      expect(new Set(ids).size).to.equal(CHANGES);
      // the first group (committed before the kill) kept its order
      expect(log.slice(0, GROUP_MAX)).to.deep.equal(Array.from({ length: GROUP_MAX }, (_, i) => i));

      expect(existsSync(path.join(reg.dir, '.git', 'index.lock'))).to.equal(false);
      expect(existsSync(path.join(reg.dir, '.runtime', 'registry-journal.json'))).to.equal(false);
      expect(reg.git('status', '--porcelain').trim()).to.equal('');
      expect(reg.git('fsck', '--strict', '--no-progress')).to.not.match(/error|missing|broken/i);
      expect(readdirSync(path.join(reg.dir, 'agents', 'shared')).filter((f) => f.includes('nox-tmp'))).to.deep.equal([]);
    });
  }
});
