import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { files } from '../../shared/registry/layout.js';
import { waitUntil } from '../support/harness.js';
import { startRegistry, type RegistryFixture } from '../support/registry-fixture.js';

const SENDER = fileURLToPath(new URL('./fixtures/change-sender.ts', import.meta.url));
const SENDERS = 4;
const PER_SENDER = 250;

/**
 * 1,000 change requests from several processes at once: all applied, in order per file,
 * none lost, fsck clean. The writer commits what waits together (group commits), so there
 * are fewer commits than changes, and every change id is in exactly one commit's trailers.
 */
describe('registry under load', function () {
  this.timeout(300_000);
  let reg: RegistryFixture;
  before(async () => {
    reg = await startRegistry({ writer: { watchTasks: false } });
  });
  after(async () => {
    await reg.cleanup();
  });

  it(`applies ${SENDERS * PER_SENDER} changes from ${SENDERS} processes, each once and in order`, async () => {
    const children = Array.from({ length: SENDERS }, (_, i) =>
      spawn(process.execPath, ['--import', 'tsx', SENDER, String(i), String(PER_SENDER)], {
        env: { ...process.env, NOX_TEST_REGISTRY_DIR: reg.dir, NOX_TEST_PREFIX: reg.config.redis.prefix },
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    const codes = await Promise.all(children.map((c) => new Promise<number | null>((resolve) => c.once('exit', resolve))));
    expect(codes).to.deep.equal(Array(SENDERS).fill(0));

    const total = SENDERS * PER_SENDER;
    const commits = (): number => Number(reg.git('rev-list', '--count', 'HEAD').trim());
    const ids = (): string[] => reg.git('log', '--format=%(trailers:key=Nox-Change,valueonly)').split('\n').filter((l) => l.startsWith('load-'));
    await waitUntil(() => ids().length >= total, 240_000, 500);
    const counts = await reg.clientCtx.queue('registry').getJobCounts('failed', 'waiting', 'active', 'prioritized');
    expect(counts.failed).to.equal(0);

    for (let i = 0; i < SENDERS; i++) {
      expect(reg.client.read.agentMemory(`s${i}`).seen, `sender ${i}`).to.deep.equal(Array.from({ length: PER_SENDER }, (_, n) => n));
    }
    const log = reg.client.read.agentMemory('shared').log as string[];
    expect(log).to.have.length(total);
    expect(new Set(log).size).to.equal(total);
    for (let i = 0; i < SENDERS; i++) {
      const mine = log.filter((x) => x.startsWith(`${i}:`)).map((x) => Number(x.split(':')[1]));
      expect(mine, `order of sender ${i} in the shared file`).to.deep.equal(Array.from({ length: PER_SENDER }, (_, n) => n));
    }
    expect(ids()).to.have.length(total);
    expect(new Set(ids()).size).to.equal(total);
    expect(commits()).to.be.at.most(total + 1);
    expect(reg.git('fsck', '--strict', '--no-progress', '--no-dangling')).to.not.match(/error|missing|broken|corrupt/i);
    expect(reg.git('status', '--porcelain').trim()).to.equal('');
    expect(files.agentMemory('shared').family).to.equal('agent-memory');
  });
});
