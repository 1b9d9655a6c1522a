import { expect } from 'chai';
import { renameSync } from 'node:fs';
import path from 'node:path';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { LoopHealth } from '../../shared/types.js';
import type { NoxWorker } from '../../workers/worker-assembly.js';
import { startStack, testConfig, testContext, waitUntil, type Stack } from '../support/harness.js';
import { startTestWorker } from '../support/test-worker.js';

interface Health {
  status: string;
  loops: Record<string, Record<string, LoopHealth>>;
  failingLoops: { hostId: string; loop: string; error: string }[];
}

describe("health: the worker side's loops in /api/system/health", function () {
  this.timeout(40_000);
  let stack: Stack;
  let ctx: NoxContext;
  let worker: NoxWorker;
  const health = async (): Promise<Health> => (await (await stack.call('GET', '/api/system/health', { role: 'viewer' })).json()) as Health;

  before(async () => {
    stack = await startStack({ withHost: false });
    ctx = testContext(testConfig({ prefix: stack.config.redis.prefix, registryDir: stack.config.registryDir }), 'worker');
    worker = await startTestWorker(ctx, { registryWriter: { watchTasks: false } });
  });
  after(async () => {
    await worker.stop();
    await ctx.close();
    await stack.cleanup();
  });

  it("lists each live host's loops with when they last ran", async () => {
    // the heartbeat after the last part started carries them all
    await waitUntil(async () => (await health()).loops[worker.id]?.['approval-sweep'] !== undefined, 5000);
    const h = await health();
    expect(h.status).to.equal('ok');
    const loops = h.loops[worker.id]!;
    expect(Object.keys(loops)).to.include.members(['heartbeat', 'peer-monitor', 'registry-writer', 'approval-sweep', 'agent-request-watch', 'permission-gate', 'task-deadlines', 'health-monitor', 'conversation-flush']);
    expect(Date.parse(loops.heartbeat!.lastRunAt!)).to.be.closeTo(Date.now(), 10_000);
    expect(h.failingLoops).to.deep.equal([]);
  });

  it('a registry writer whose commits fail makes health degraded and names the loop and the error; fixed, it is ok again', async () => {
    // a real failure: the registry's git repository loses its HEAD, so every commit fails
    const head = path.join(stack.config.registryDir, '.git', 'HEAD');
    renameSync(head, `${head}.away`);
    try {
      const created = stack.call('POST', '/api/agents', { role: 'admin', body: { id: 'hl-one' } });
      await waitUntil(async () => (await health()).failingLoops.some((f) => f.loop === 'registry-writer'), 15_000);
      const h = await health();
      expect(h.status).to.equal('degraded');
      const failing = h.failingLoops.find((f) => f.loop === 'registry-writer')!;
      expect(failing.hostId).to.equal(worker.id);
      expect(failing.error).to.be.a('string').and.not.equal('');
      renameSync(`${head}.away`, head);
      // the change is retried (BullMQ attempts) and lands; the writer is healthy again
      expect((await created).status).to.be.oneOf([201, 503, 504]);
    } finally {
      try {
        renameSync(`${head}.away`, head);
      } catch {
        // already back
      }
    }
    await stack.call('POST', '/api/agents', { role: 'admin', body: { id: 'hl-two' } });
    await waitUntil(async () => (await health()).status === 'ok', 15_000);
    expect((await health()).loops[worker.id]!['registry-writer']!.lastError).to.equal(null);
  });
});
