import { expect } from 'chai';
import { isNoxError } from '../../shared/errors/nox-error.js';
import { gitSlots, gitSlotsFor } from '../../shared/projects/git-limit.js';

/**
 * The git slots' options for the served mirror's callers (shared/projects/git-limit.ts): a
 * waiting job whose caller went away leaves the queue (`signal`), and one key (a host) runs
 * at most `perKey` at once and waits with at most `perKeyWaiting`, so that it cannot take
 * every slot nor fill the queue.
 */
describe('projects: git slots let a gone caller leave the queue and bound each host', () => {
  /** a job that runs until its `finish` is called; `started` tells whether it began */
  const held = () => {
    let finish = (): void => undefined;
    const job = { started: false, finish: () => finish() };
    const work = () =>
      new Promise<void>((resolve) => {
        job.started = true;
        finish = resolve;
      });
    return { job, work };
  };
  const settle = () => new Promise((r) => setImmediate(r));
  const errorOf = (p: Promise<unknown>): Promise<unknown> =>
    p.then(
      () => undefined,
      (err: unknown) => err,
    );

  it('a waiting job whose signal aborts leaves the queue at once, never runs, and the slot goes to the next', async () => {
    const slots = gitSlots(1, 4);
    const first = held();
    const gone = held();
    const next = held();
    const running = slots.run(first.work);
    const controller = new AbortController();
    const left = errorOf(slots.run(gone.work, { signal: controller.signal }));
    const after = slots.run(next.work);
    await settle();
    expect(slots.queued).to.equal(2);

    controller.abort(new Error('client went away'));
    const err = await left;
    expect(isNoxError(err) && err.code).to.equal('nox:request-aborted');
    expect(slots.queued).to.equal(1);

    first.job.finish();
    await running;
    await settle();
    expect(gone.job.started).to.equal(false);
    expect(next.job.started).to.equal(true);
    next.job.finish();
    await after;
    expect([slots.busy, slots.queued]).to.deep.equal([0, 0]);
  });

  it('a job whose signal is already aborted is refused without running, even with a slot free', async () => {
    const slots = gitSlots(1, 4);
    const job = held();
    const controller = new AbortController();
    controller.abort();
    const err = await errorOf(slots.run(job.work, { signal: controller.signal }));
    expect(isNoxError(err) && err.code).to.equal('nox:request-aborted');
    expect(job.job.started).to.equal(false);
    expect(slots.busy).to.equal(0);
  });

  it('a signal that aborts once its job runs changes nothing for the slots', async () => {
    const slots = gitSlots(1, 4);
    const job = held();
    const controller = new AbortController();
    const running = slots.run(job.work, { signal: controller.signal });
    await settle();
    controller.abort();
    job.job.finish();
    await running;
    expect([slots.busy, slots.queued]).to.deep.equal([0, 0]);
  });

  it('one key runs at most perKey at once: its next wait while other keys take the free slots, and past perKeyWaiting a 429', async () => {
    const slots = gitSlots(3, 8, { perKey: 2, perKeyWaiting: 1 });
    const [a1, a2, a3, b1] = [held(), held(), held(), held()];
    const runA1 = slots.run(a1.work, { key: 'host-a' });
    const runA2 = slots.run(a2.work, { key: 'host-a' });
    // a slot is free, but host-a runs two already: its third waits
    const runA3 = slots.run(a3.work, { key: 'host-a' });
    await settle();
    expect([slots.busy, slots.queued, a3.job.started]).to.deep.equal([2, 1, false]);
    const refused = await errorOf(slots.run(held().work, { key: 'host-a' }));
    expect(isNoxError(refused) && refused.code).to.equal('nox:rate-limited');
    expect(isNoxError(refused) && refused.extensions.retryAfter).to.be.greaterThan(0);

    // host-b takes the free slot past host-a's waiting job
    const runB1 = slots.run(b1.work, { key: 'host-b' });
    await settle();
    expect([slots.busy, slots.queued, b1.job.started]).to.deep.equal([3, 1, true]);

    // host-a's first ends: its waiting one runs
    a1.job.finish();
    await runA1;
    await settle();
    expect([slots.busy, slots.queued, a3.job.started]).to.deep.equal([3, 0, true]);
    for (const j of [a2, a3, b1]) j.job.finish();
    await Promise.all([runA2, runA3, runB1]);
    expect([slots.busy, slots.queued]).to.deep.equal([0, 0]);
  });

  it('a key’s waiting job that leaves the queue, or fails, frees its place', async () => {
    const slots = gitSlots(1, 8, { perKey: 2, perKeyWaiting: 2 });
    const blocker = held();
    const runBlocker = slots.run(blocker.work);
    const controller = new AbortController();
    const left = errorOf(slots.run(held().work, { key: 'h', signal: controller.signal }));
    const failing = errorOf(slots.run(() => Promise.reject(new Error('git failed')), { key: 'h' }));
    await settle();
    expect(await errorOf(slots.run(held().work, { key: 'h' }))).to.satisfy((e: unknown) => isNoxError(e) && e.code === 'nox:rate-limited');
    controller.abort();
    await left;
    blocker.job.finish();
    await runBlocker;
    expect(((await failing) as Error).message).to.equal('git failed');
    const again = held();
    const runAgain = slots.run(again.work, { key: 'h' });
    const andOne = held();
    const runAndOne = slots.run(andOne.work, { key: 'h' });
    await settle();
    expect(again.job.started).to.equal(true);
    again.job.finish();
    await runAgain;
    await settle();
    andOne.job.finish();
    await runAndOne;
    expect([slots.busy, slots.queued]).to.deep.equal([0, 0]);
  });

  it('the served mirror’s slots let one host run two of its four; its third waits while another host runs', async () => {
    const served = gitSlotsFor({}).served;
    const mine = [held(), held(), held()];
    const runs = mine.map((j) => served.run(j.work, { key: 'one-host' }));
    const other = held();
    const otherRun = served.run(other.work, { key: 'another-host' });
    await settle();
    expect([served.busy, served.queued, mine[2]!.job.started, other.job.started]).to.deep.equal([3, 1, false, true]);
    mine[0]!.job.finish();
    await runs[0];
    await settle();
    expect(mine[2]!.job.started).to.equal(true);
    for (const j of [...mine.slice(1), other]) j.job.finish();
    await Promise.all([...runs, otherRun]);
  });
});
