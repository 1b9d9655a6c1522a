import { expect } from 'chai';
import type { QueueEvents, Worker } from 'bullmq';
import { waitForJob } from '../../shared/queues/job-waits.js';
import { closeWorker, createQueueEvents, createWorker } from '../../shared/queues/queue-factory.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { dropPrefix, testConfig, testContext } from '../support/harness.js';

/**
 * waitForJob (shared/queues/job-waits.ts) gives the answers job.waitUntilFinished gave: the
 * return value, the failure as an Error, a wait that outlives its time; and a job that
 * finished before the wait began is answered too (no event will come for it).
 */
describe('queues: waiting for a job', function () {
  this.timeout(30_000);
  let ctx: NoxContext;
  let events: QueueEvents;
  let worker: Worker | undefined;
  beforeEach(async () => {
    ctx = testContext(testConfig(), 'worker');
    events = createQueueEvents('waits', ctx.connect('blocking', 'waits-events'), ctx.keys, ctx.logger);
    await events.waitUntilReady();
  });
  afterEach(async () => {
    if (worker) await closeWorker(worker);
    worker = undefined;
    await events.close();
    await dropPrefix(ctx.config.redis.prefix);
    await ctx.close();
  });
  const work = (): void => {
    worker = createWorker(
      'waits',
      async (job) => {
        if (job.name === 'fail') throw new Error(`no: ${String(job.data.n)}`);
        return { doubled: (job.data.n as number) * 2 };
      },
      ctx.connect('blocking', 'waits-worker'),
      ctx.keys,
      ctx.logger,
      { concurrency: 4 },
    );
  };

  it('answers with the return value, and a failure as an Error with its reason', async () => {
    work();
    const queue = ctx.queue('waits');
    const ok = await queue.add('double', { n: 21 });
    const bad = await queue.add('fail', { n: 7 }, { attempts: 1 });
    expect(await waitForJob(queue, events, ok, 20_000)).to.deep.equal({ doubled: 42 });
    const err = await waitForJob(queue, events, bad, 20_000).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).to.be.instanceOf(Error);
    expect(err?.message).to.equal('no: 7');
  });

  it('answers for a job that finished before the wait began', async () => {
    work();
    const queue = ctx.queue('waits');
    const first = await queue.add('double', { n: 5 }, { jobId: 'once' });
    expect(await waitForJob(queue, events, first, 20_000)).to.deep.equal({ doubled: 10 });
    // added again under the same id: BullMQ hands back the finished job, no event follows
    const again = await queue.add('double', { n: 5 }, { jobId: 'once' });
    expect(await waitForJob(queue, events, again, 20_000)).to.deep.equal({ doubled: 10 });
  });

  it('a wait nobody answers ends with the timeout error the callers recognise', async () => {
    const queue = ctx.queue('waits');
    const job = await queue.add('double', { n: 1 }); // no worker
    const err = await waitForJob(queue, events, job, 50).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).to.match(/timed out/);
    expect(err?.message).to.include(`(id=${String(job.id)})`);
  });
});
