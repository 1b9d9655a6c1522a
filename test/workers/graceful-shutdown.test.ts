import { expect } from 'chai';
import { listHosts } from '../../shared/hosts/host-directory.js';
import { JOB } from '../../shared/queues/jobs.js';
import { PRIORITY } from '../../shared/queues/priority.js';
import { startStack, waitUntil, type Stack } from '../support/harness.js';
import { spawnNox } from '../support/processes.js';

describe('worker host graceful shutdown', function () {
  // each test starts and stops worker processes; on a loaded machine (the suite runs files in
  // parallel) that alone can take longer than mocha's default
  this.timeout(60_000);
  let stack: Stack;
  before(async () => {
    stack = await startStack({ withHost: false });
  });
  after(() => stack.cleanup());

  const env = (hostId: string, shutdownMs: number): NodeJS.ProcessEnv => ({
    NOX_REGISTRY_DIR: stack.config.registryDir,
    // the stack's folder on this machine, and no registry writer in this test: read the
    // folder (`auto` would wait for a writer to publish: docs/HOSTS.md)
    NOX_REGISTRY_READS: 'folder',
    REDIS_URL: stack.config.redis.url,
    NOX_REDIS_PREFIX: stack.config.redis.prefix,
    NOX_HOST_ID: hostId,
    NOX_HEARTBEAT_INTERVAL_MS: '200',
    NOX_HEARTBEAT_TTL_MS: '1000',
    NOX_SHUTDOWN_TIMEOUT_MS: String(shutdownMs),
    LOG_LEVEL: 'info',
  });

  const addPing = (hostId: string, workMs: number) =>
    stack.apiCtx.queue(stack.apiCtx.keys.hostQueue(hostId)).add(
      JOB.ping,
      { correlationId: `shutdown-${workMs}`, requestedBy: 'test', sentAt: Date.now(), workMs },
      { priority: PRIORITY.normal, attempts: 3 },
    );

  it('finishes the active job on SIGTERM, deregisters, and leaves nothing active', async () => {
    const worker = spawnNox(['worker'], env('shut-a', 5000));
    try {
      await worker.waitFor(/worker host started/);
      const queue = stack.apiCtx.queue(stack.apiCtx.keys.hostQueue('shut-a'));
      const job = await addPing('shut-a', 800);
      await waitUntil(async () => (await job.getState()) === 'active');
      worker.child.kill('SIGTERM');
      const { code, signal } = await worker.exited();
      expect(code, `${signal} ${worker.output()}`).to.equal(0);
      expect(await job.getState()).to.equal('completed');
      expect((await queue.getJobCounts('active')).active).to.equal(0);
      const hosts = await listHosts(stack.apiCtx.redis, stack.apiCtx.keys);
      expect(hosts.map((h) => h.id)).not.to.include('shut-a');
    } finally {
      worker.kill();
    }
  });

  it('hands a job that outlives the deadline back to the queue, where the next host runs it', async () => {
    const worker = spawnNox(['worker'], env('shut-b', 1000));
    try {
      await worker.waitFor(/worker host started/);
      const queue = stack.apiCtx.queue(stack.apiCtx.keys.hostQueue('shut-b'));
      const job = await addPing('shut-b', 20_000);
      await waitUntil(async () => (await job.getState()) === 'active');
      worker.child.kill('SIGTERM');
      const { code } = await worker.exited();
      expect(code).to.equal(0);
      expect(worker.output()).to.match(/handed back to the queue/);
      expect((await queue.getJobCounts('active')).active).to.equal(0);
      const state = await job.getState();
      expect(['waiting', 'delayed', 'prioritized']).to.include(state);
      expect((await queue.getJob(job.id!))?.attemptsMade ?? 0).to.equal(0);

      // the same host, restarted, takes it up again (made short so the test does not wait 20 s)
      await (await queue.getJob(job.id!))!.updateData({ ...job.data, workMs: 0 });
      const again = spawnNox(['worker'], env('shut-b', 1000));
      try {
        await waitUntil(async () => (await job.getState()) === 'completed', 10_000);
      } finally {
        again.child.kill('SIGTERM');
        await again.exited();
      }
    } finally {
      worker.kill();
    }
  });
});
