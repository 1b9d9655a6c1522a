import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { exclusiveUse, sharedUse } from '../../shared/projects/served-gate.js';

/**
 * The served mirror's gate (shared/projects/served-gate.ts) when an upkeep ends with others
 * waiting on it: the gate it leaves has no users and is forgotten, and whoever resumes must
 * count on the gate the next comer finds — else a second upkeep runs beside a fetch, or a
 * fetch beside a second upkeep. Pure in-process functions: driven by promises held open.
 */
describe('projects: the served mirror’s gate keeps an upkeep alone after another ends', () => {
  /** every use records itself; an upkeep beside anyone, or anyone beside an upkeep, is an overlap */
  const tracker = () => {
    const running = new Set<string>();
    const overlaps: string[] = [];
    const use = (name: string, exclusive: boolean) => {
      let finish = (): void => undefined;
      const state = { started: false, finish: () => finish() };
      const work = () =>
        new Promise<void>((resolve) => {
          const upkeepRunning = [...running].some((n) => n.startsWith('upkeep'));
          if ((exclusive && running.size > 0) || upkeepRunning) overlaps.push(`${name} beside ${[...running].join(', ')}`);
          running.add(name);
          state.started = true;
          finish = () => {
            running.delete(name);
            resolve();
          };
        });
      return { state, work };
    };
    return { use, overlaps };
  };
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };

  it('a fetch that waited on an upkeep, then a second upkeep asked once the first ended: the upkeep waits for the fetch', async () => {
    const mirror = `/served/${randomUUID()}.git`;
    const t = tracker();
    const upkeep1 = t.use('upkeep 1', true);
    const fetch = t.use('fetch', false);
    const upkeep2 = t.use('upkeep 2', true);

    const u1 = exclusiveUse(mirror, upkeep1.work);
    await settle();
    const f = sharedUse(mirror, fetch.work);
    await settle();
    expect(fetch.state.started, 'the fetch waits for the upkeep').to.equal(false);

    upkeep1.state.finish();
    await u1;
    await settle();
    expect(fetch.state.started).to.equal(true);
    const u2 = exclusiveUse(mirror, upkeep2.work);
    await settle();
    expect(upkeep2.state.started, 'the second upkeep waits for the fetch').to.equal(false);

    fetch.state.finish();
    await f;
    await settle();
    expect(upkeep2.state.started).to.equal(true);
    upkeep2.state.finish();
    await u2;
    expect(t.overlaps).to.deep.equal([]);
  });

  it('an upkeep that waited on another, then a fetch asked once it runs: the fetch waits for it', async () => {
    const mirror = `/served/${randomUUID()}.git`;
    const t = tracker();
    const upkeep1 = t.use('upkeep 1', true);
    const upkeep2 = t.use('upkeep 2', true);
    const fetch = t.use('fetch', false);

    const u1 = exclusiveUse(mirror, upkeep1.work);
    await settle();
    const u2 = exclusiveUse(mirror, upkeep2.work);
    await settle();
    upkeep1.state.finish();
    await u1;
    await settle();
    expect(upkeep2.state.started).to.equal(true);
    const f = sharedUse(mirror, fetch.work);
    await settle();
    expect(fetch.state.started, 'the fetch waits for the second upkeep').to.equal(false);

    upkeep2.state.finish();
    await u2;
    await settle();
    expect(fetch.state.started).to.equal(true);
    fetch.state.finish();
    await f;
    expect(t.overlaps).to.deep.equal([]);
  });

  it('an upkeep and a fetch both waiting on an upkeep, the upkeep asked first: it runs first, the fetch behind it', async () => {
    const mirror = `/served/${randomUUID()}.git`;
    const t = tracker();
    const upkeep1 = t.use('upkeep 1', true);
    const upkeep2 = t.use('upkeep 2', true);
    const fetch = t.use('fetch', false);

    const u1 = exclusiveUse(mirror, upkeep1.work);
    await settle();
    const u2 = exclusiveUse(mirror, upkeep2.work);
    const f = sharedUse(mirror, fetch.work);
    await settle();
    upkeep1.state.finish();
    await u1;
    await settle();
    // in the order they asked (an upkeep waiting holds back the fetches behind it), never together
    expect([upkeep2.state.started, fetch.state.started]).to.deep.equal([true, false]);
    upkeep2.state.finish();
    await u2;
    await settle();
    expect(fetch.state.started).to.equal(true);
    fetch.state.finish();
    await f;
    expect(t.overlaps).to.deep.equal([]);
  });
});
