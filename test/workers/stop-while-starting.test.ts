import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { listHosts } from '../../shared/hosts/host-directory.js';
import { createLogger } from '../../shared/logger.js';
import { createContext, type NoxContext } from '../../shared/runtime/context.js';
import { startNoxWorker, WorkerStartStopped, type NoxWorker } from '../../workers/worker-assembly.js';
import { dropPrefix, testConfig, uniquePrefix, waitUntil } from '../support/harness.js';

/**
 * A stop that arrives while a worker host is still starting (`nox worker` on SIGTERM passes
 * it as the start's signal): the start goes no further, what started stops in order, and
 * only then the context closes — so no part of the host is left talking to a closed
 * connection ("Connection is closed"), nothing is rejected unhandled, the host deregisters.
 */
describe('worker host: a stop during the start closes cleanly', function () {
  this.timeout(180_000);
  const prefix = uniquePrefix();
  const dirs: string[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  before(() => process.on('unhandledRejection', onUnhandled));
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await dropPrefix(prefix);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const hostContext = (hostId: string): { ctx: NoxContext; lines: string[] } => {
    const config = testConfig({ prefix, overrides: { 'worker.host_id': hostId, 'mcp.docker_host': `unix:///tmp/nox-no-engine-${hostId}.sock` } });
    dirs.push(config.registryDir);
    const lines: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
    return { ctx: createContext({ config, role: 'worker', logger: createLogger({ level: 'info', stream, format: 'json' }) }), lines };
  };
  const complaints = (lines: string[]) => lines.filter((l) => /"level":"(warn|error)"/.test(l) || /Connection is closed/.test(l));

  it('stopped at every point of the start, again and again: no warning or error, no unhandled rejection, the host gone', async () => {
    const all: string[] = [];
    const outcomes: string[] = [];
    for (const delayMs of [0, 0, 2, 5, 10, 20, 40, 80, 150, 300, 600, 1000]) {
      const hostId = `sws-${randomBytes(3).toString('hex')}`;
      const { ctx, lines } = hostContext(hostId);
      const stop = new AbortController();
      const starting = startNoxWorker(ctx, { registryWriter: { watchTasks: false }, signal: stop.signal });
      setTimeout(() => stop.abort(), delayMs);
      const started = await starting.then(
        (w: NoxWorker) => w,
        (err: unknown) => err as Error,
      );
      if (started instanceof Error) {
        expect(started, started.stack).to.be.instanceOf(WorkerStartStopped);
        outcomes.push('stopped while starting');
      } else {
        await started.stop();
        outcomes.push('started, then stopped');
      }
      await ctx.close();
      expect((await listHosts(ctx.redis, ctx.keys).catch(() => [])).map((h) => h.id)).to.not.include(hostId);
      all.push(...lines);
    }
    // a few ended mid-start (the point of the test), the rest after it
    expect(outcomes, outcomes.join(', ')).to.include('stopped while starting');
    // what a part left running would log once its connection is closed: give it the time of one more start and stop
    const { ctx, lines } = hostContext(`sws-last-${randomBytes(2).toString('hex')}`);
    await (await startNoxWorker(ctx, { registryWriter: { watchTasks: false } })).stop();
    await ctx.close();
    all.push(...lines);
    expect(complaints(all), complaints(all).join('\n')).to.deep.equal([]);
    expect(unhandled.map(String)).to.deep.equal([]);
  });

  it('a registry writer waiting for the lease (another writer holds it) stops waiting, and the host deregisters', async () => {
    const hostId = `sws-wait-${randomBytes(3).toString('hex')}`;
    const { ctx, lines } = hostContext(hostId);
    await ctx.redis.set(ctx.keys.registryWriter(), 'another-writer', 'PX', 120_000);
    const stop = new AbortController();
    const starting = startNoxWorker(ctx, { registryWriter: { watchTasks: false }, signal: stop.signal }).catch((err: unknown) => err);
    await waitUntil(() => lines.some((l) => l.includes('holds the registry writer lease; waiting')), 30_000);
    stop.abort();
    expect(await starting).to.be.instanceOf(WorkerStartStopped);
    expect((await listHosts(ctx.redis, ctx.keys)).map((h) => h.id)).to.not.include(hostId);
    expect(await ctx.redis.get(ctx.keys.registryWriter()), 'the other writer keeps its lease').to.equal('another-writer');
    await ctx.close();
    expect(complaints(lines), complaints(lines).join('\n')).to.deep.equal([]);
  });
});
