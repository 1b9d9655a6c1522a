import { expect } from 'chai';
import { files } from '../../shared/registry/layout.js';
import { startRegistry, type RegistryFixture } from '../support/registry-fixture.js';

/**
 * Many clients' changes waiting at once on a fresh context — the API under a burst — each
 * get their answer without piling a listener per wait on the shared `registry` Queue
 * (BullMQ's job.waitUntilFinished adds a 'closing' listener per call: the eleventh printed
 * "MaxListenersExceededWarning: ... 11 closing listeners added to [Queue]").
 */
describe('registry client: a burst of waiting changes', function () {
  this.timeout(60_000);
  let reg: RegistryFixture;
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  beforeEach(async () => {
    reg = await startRegistry({ writer: { watchTasks: false } });
    process.on('warning', onWarning);
  });
  afterEach(async () => {
    process.off('warning', onWarning);
    await reg.cleanup();
  });

  it('30 changes at once: each answered, no listener warning, the queue back to its own listeners', async () => {
    const queue = reg.clientCtx.queue('registry');
    const closingBefore = queue.listenerCount('closing');
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        reg.client.change({ id: `burst-${i}`, message: `burst ${i}`, changes: [{ op: 'set', file: files.agents(), key: ['agents', `b${i}`], value: { model: 'sonnet' } }] }, 'system'),
      ),
    );
    expect(results.map((r) => r.changeId)).to.deep.equal(Array.from({ length: 30 }, (_, i) => `burst-${i}`));
    // process warnings are emitted on the next tick
    await new Promise((r) => setImmediate(r));
    const leaks = warnings.filter((w) => w.name === 'MaxListenersExceededWarning');
    expect(leaks.map((w) => w.message)).to.deep.equal([]);
    expect(queue.listenerCount('closing'), 'no wait left a listener behind').to.equal(closingBefore);
  });
});
