import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { listHosts } from '../../../shared/hosts/host-directory.js';
import { startNoxWorker, WorkerStartStopped, type NoxWorker } from '../../../workers/worker-assembly.js';
import { complaints, loggedHostContext } from './logged-host.js';

/**
 * The start-and-stop loop of test/workers/stop-while-starting.test.ts, in a process of its own:
 * an unhandled rejection is process-wide, and in the test runner's worker process one left by
 * another suite that ran there before would be counted too. Starts worker hosts under the
 * prefix given, stops each at a different point of its start, and prints what it saw as one
 * JSON line: how each ended, the warn/error log lines, the unhandled rejections (with their
 * stacks), and the hosts still registered.
 */
const prefix = process.argv[2] ?? '';
const unhandled: string[] = [];
process.on('unhandledRejection', (reason) => void unhandled.push(reason instanceof Error ? (reason.stack ?? String(reason)) : String(reason)));

const dirs: string[] = [];
const hostContext = (hostId: string) => loggedHostContext(prefix, hostId, dirs);

const all: string[] = [];
const outcomes: string[] = [];
const left: string[] = [];
const errors: string[] = [];
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
    if (!(started instanceof WorkerStartStopped)) errors.push(started.stack ?? String(started));
    outcomes.push('stopped while starting');
  } else {
    await started.stop();
    outcomes.push('started, then stopped');
  }
  await ctx.close();
  if ((await listHosts(ctx.redis, ctx.keys).catch(() => [])).some((h) => h.id === hostId)) left.push(hostId);
  all.push(...lines);
}
// what a part left running would log once its connection is closed: give it the time of one more start and stop
const { ctx, lines } = hostContext(`sws-last-${randomBytes(2).toString('hex')}`);
await (await startNoxWorker(ctx, { registryWriter: { watchTasks: false } })).stop();
await ctx.close();
all.push(...lines);
await new Promise((r) => setTimeout(r, 200));
for (const d of dirs) rmSync(d, { recursive: true, force: true });

process.stdout.write(`${JSON.stringify({ outcomes, complaints: complaints(all), unhandled, left, errors })}\n`);
process.exit(0);
