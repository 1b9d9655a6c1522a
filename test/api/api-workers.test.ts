import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { freePort } from '../../bin/local-redis.js';
import { createEventBus } from '../../shared/events/event-bus.js';
import { makeKeys } from '../../shared/keys.js';
import { closeRedis, createRedis } from '../../shared/redis.js';
import type { DomainEvent } from '../../shared/types.js';
import { spawnNox, type NoxProcess } from '../support/processes.js';
import { deletePrefix, redisUrl, TEST_SECRET, tokenFor, uniquePrefix, waitUntil } from '../support/harness.js';

/**
 * `nox api --workers 2` (bin/api-cluster.ts): two API node processes on one port. REST is
 * answered by both, live events reach sockets on both (WebSocket), and a worker that is
 * killed is started again by the primary while the other keeps serving.
 */
describe('nox api --workers 2', function () {
  this.timeout(90_000);
  const prefix = uniquePrefix();
  const redis = createRedis(redisUrl(), 'blocking');
  const events = createEventBus(redis, makeKeys(prefix), 10_000);
  let dir: string;
  let nox: NoxProcess;
  let url: string;
  const sockets: Socket[] = [];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'nox-api-workers-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    nox = spawnNox(['api', '--workers', '2'], { NOX_REGISTRY_DIR: dir, REDIS_URL: redisUrl(), NOX_REDIS_PREFIX: prefix, NOX_PORT: String(port), NOX_JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' });
    await nox.waitFor(/2 worker processes/, 30_000);
  });
  after(async () => {
    for (const s of sockets) s.close();
    nox.child.kill('SIGTERM');
    await Promise.race([nox.exited(), new Promise((r) => setTimeout(r, 20_000))]);
    nox.kill();
    await deletePrefix(redis, prefix);
    await closeRedis(redis);
    rmSync(dir, { recursive: true, force: true });
  });

  /** the pid of the API node that answers a request on a connection of its own */
  const healthPid = async (): Promise<number | undefined> => {
    const res = await fetch(`${url}/health`, { headers: { connection: 'close' } }).catch(() => undefined);
    return res?.ok ? ((await res.json()) as { pid: number }).pid : undefined;
  };
  /** polls until `want` distinct API node pids have answered */
  const nodePids = async (want: number, not: number[] = []): Promise<number[]> => {
    const seen = new Set<number>();
    await waitUntil(async () => {
      const pid = await healthPid();
      if (pid !== undefined && !not.includes(pid)) seen.add(pid);
      return seen.size >= want;
    }, 60_000, 50);
    return [...seen];
  };

  /** a socket in room `all` that keeps what it receives */
  const connect = async (): Promise<{ socket: Socket; seen: string[]; drops: number[] }> => {
    const socket = io(url, { auth: { token: tokenFor('operator'), rooms: ['all'] }, transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500 });
    sockets.push(socket);
    const state = { socket, seen: [] as string[], drops: [] as number[] };
    socket.on('event', (e: DomainEvent) => state.seen.push(e.type));
    socket.on('disconnect', () => state.drops.push(Date.now()));
    await new Promise<void>((resolve, reject) => {
      socket.once('ready', () => resolve());
      socket.once('connect_error', reject);
    });
    return state;
  };

  it('answers REST from both workers, sends a live event to sockets on both, and restarts a killed worker', async () => {
    const [first, second] = await nodePids(2);
    expect(first).to.not.equal(second);
    const token = tokenFor('viewer');
    const me = await fetch(`${url}/api/auth/me`, { headers: { authorization: `Bearer ${token}`, connection: 'close' } });
    expect(me.status).to.equal(200);

    // connections are handed out round-robin: four sockets, on both workers
    const clients: Awaited<ReturnType<typeof connect>>[] = [];
    for (let i = 0; i < 4; i++) clients.push(await connect());
    await events.publish({ type: 'test.first', data: {} });
    await waitUntil(() => clients.every((c) => c.seen.includes('test.first')), 20_000);

    // killing one worker drops the sockets on it, not the others: they were on both
    process.kill(first as number, 'SIGKILL');
    await waitUntil(() => clients.some((c) => c.drops.length > 0), 20_000);
    // the primary starts a new worker; the survivor kept answering meanwhile
    const [restarted] = await nodePids(1, [first as number, second as number]);
    expect(restarted).to.be.a('number');
    expect(clients.filter((c) => c.drops.length > 0).length).to.be.within(1, 3);
    expect(nox.output()).to.match(/worker 1 \(pid \d+\) exited \(SIGKILL\); starting it again|worker 2 \(pid \d+\) exited \(SIGKILL\); starting it again/);

    // the dropped sockets reconnect by themselves; every socket gets the next event
    await waitUntil(() => clients.every((c) => c.socket.connected), 30_000);
    await events.publish({ type: 'test.second', data: {} });
    await waitUntil(() => clients.every((c) => c.seen.includes('test.second')), 20_000);
  });
});
