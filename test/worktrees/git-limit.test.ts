import { expect } from 'chai';
import { isNoxError } from '../../shared/errors/nox-error.js';
import { gitSlots } from '../../shared/projects/git-limit.js';

/** The bound on git work in a process (shared/projects/git-limit.ts): `max` at once, `waiting` queued, then 429. */
describe('projects: git work is bounded', () => {
  it('runs two at once, queues one, refuses the next with 429, and runs the queued one when a slot frees', async () => {
    const slots = gitSlots(2, 1);
    const gates: Array<() => void> = [];
    const started: number[] = [];
    const job = (n: number) => () =>
      new Promise<number>((resolve) => {
        started.push(n);
        gates.push(() => resolve(n));
      });
    const one = slots.run(job(1));
    const two = slots.run(job(2));
    const three = slots.run(job(3));
    await new Promise((r) => setImmediate(r));
    expect(started).to.deep.equal([1, 2]);
    expect(slots.queued).to.equal(1);
    const refused = await slots.run(job(4)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isNoxError(refused) && refused.code).to.equal('nox:rate-limited');
    gates[0]!();
    expect(await one).to.equal(1);
    await new Promise((r) => setImmediate(r));
    expect(started).to.deep.equal([1, 2, 3]);
    gates[1]!();
    gates[2]!();
    expect([await two, await three]).to.deep.equal([2, 3]);
    expect(slots.busy).to.equal(0);
  });
});
