import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { listHosts } from '../../shared/hosts/host-directory.js';
import { selfCommand } from '../../shared/runtime/self-command.js';
import { startNoxWorker, WorkerStartStopped } from '../../workers/worker-assembly.js';
import { dropPrefix, uniquePrefix, waitUntil } from '../support/harness.js';
import { complaints, loggedHostContext } from './support/logged-host.js';

/**
 * A stop that arrives while a worker host is still starting (`nox worker` on SIGTERM passes
 * it as the start's signal): the start goes no further, what started stops in order, and
 * only then the context closes — so no part of the host is left talking to a closed
 * connection ("Connection is closed"), nothing is rejected unhandled, the host deregisters.
 */
const run = promisify(execFile);

describe('worker host: a stop during the start closes cleanly', function () {
  this.timeout(180_000);
  const prefix = uniquePrefix();
  const dirs: string[] = [];
  after(async () => {
    await dropPrefix(prefix);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const hostContext = (hostId: string) => loggedHostContext(prefix, hostId, dirs);

  it('stopped at every point of the start, again and again: no warning or error, no unhandled rejection, the host gone', async () => {
    // in a process of its own (test/workers/support/start-stop-loop.ts): unhandled rejections
    // are process-wide, and this runner's process may hold other suites' leftovers
    const cmd = selfCommand('test/workers/support/start-stop-loop', [prefix]);
    const { stdout } = await run(cmd.command, cmd.args, { env: process.env, maxBuffer: 16 * 1024 * 1024, timeout: 150_000 });
    const seen = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { outcomes: string[]; complaints: string[]; unhandled: string[]; left: string[]; errors: string[] };
    expect(seen.errors, seen.errors.join('\n')).to.deep.equal([]);
    // a few ended mid-start (the point of the test), the rest after it
    expect(seen.outcomes, seen.outcomes.join(', ')).to.include('stopped while starting');
    expect(seen.outcomes).to.have.length(12);
    expect(seen.left, 'every host deregistered').to.deep.equal([]);
    expect(seen.complaints, seen.complaints.join('\n')).to.deep.equal([]);
    // none at all: a worker made by the start (its blocking connection still running BullMQ's
    // version check) used to reject "Connection is closed" unhandled when the stop closed it —
    // more often the busier the machine (closeWorker in shared/queues/queue-factory.ts)
    expect(seen.unhandled, seen.unhandled.join('\n')).to.deep.equal([]);
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
