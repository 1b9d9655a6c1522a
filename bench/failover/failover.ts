/**
 * Many machines (issue 15, item 7): worker hosts as processes with folders of their own,
 * sharing only Redis with "machine A" (this process: the API and the registry writer), as
 * the many-machines tests run them (test/support/cluster.ts). With `--netns` (root), each
 * host in its own network and mount namespaces (test/support/netns.ts).
 *
 * 1. Spawns per second: N agents (default 60, the ~1 MB stand-in tiny-claude.sh) placed
 *    through the `spawn` queue until all are idle — on one host (the baseline, same run),
 *    then across three.
 * 2. Failover: one agent (the node stand-in, which keeps a session transcript) with a turn
 *    in its session; its host is SIGKILLed while the next host is up: time until it is idle
 *    on that host, same session (restored from Redis, resumed), over R runs (default 10),
 *    split into detection (kill → `host.down` on the event stream) and recovery
 *    (`host.down` → idle). Baseline, same run: a plain start of the same agent on a live
 *    host (POST start → idle), R times. The hosts heartbeat every 200 ms with a 1 s TTL
 *    (test/support/worker-process.ts): detection scales with `worker.heartbeat_ttl_ms`.
 *
 * Usage: npm run bench -- failover [runs] [spawnAgents] [--netns]
 */
import os from 'node:os';
import { readRuntime, readRuntimes } from '../../shared/agents/runtime-state.js';
import { AGENT_JOB } from '../../shared/agents/agent-jobs.js';
import { PRIORITY } from '../../shared/queues/priority.js';
import { startCluster, type Cluster, type ClusterHost } from '../../test/support/cluster.js';
import { FAKE_CLAUDE } from '../../test/support/fake-claude.js';
import { netnsUnavailable } from '../../test/support/netns.js';
import { until } from '../support/agent-fleet.js';
import { TINY } from '../support/bare-spawn.js';
import { line, summarize } from '../support/stats.js';

const out = (s: string): void => void process.stdout.write(`${s}\n`);

export async function run(args: string[]): Promise<void> {
  const netns = args.includes('--netns');
  const [runs = 10, spawnAgents = 60] = args.filter((a) => !a.startsWith('--')).map(Number);
  if (netns) {
    const why = await netnsUnavailable();
    if (why) throw new Error(`--netns: ${why}`);
  }
  const cluster = await startCluster(
    {
      'agent.command': process.execPath,
      'agent.args': [FAKE_CLAUDE],
      'agent.store': 'registry',
      'agent.registry_appends': false,
      'agent.max_spawn_rate': 100_000,
      'agent.stop_grace_ms': 1000,
      'agent.sampling_interval_ms': 60_000,
      'worker.concurrency': 32,
      'log.level': 'error',
    },
    { netns },
  );
  try {
    out(`many machines: ${netns ? 'hosts in their own network and mount namespaces' : 'hosts as processes with their own folders'}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    await spawnRate(cluster, spawnAgents);
    await cluster.stopHosts();
    await failover(cluster, runs);
    out(`load after: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    await cluster.cleanup();
  }
}

async function spawnRate(cluster: Cluster, n: number): Promise<void> {
  const ids = Array.from({ length: n }, (_, i) => `spawn-${i}`);
  for (const id of ids) await cluster.json('POST', '/api/agents', 201, { body: { id } });
  const tiny = { 'agent.command': '/bin/sh', 'agent.args': [TINY], 'worker.capacity': n };
  const statuses = async (status: string): Promise<number> => {
    const runtimes = await readRuntimes(cluster.apiCtx.redis, cluster.apiCtx.keys, ids);
    return ids.filter((id) => runtimes.get(id)?.status === status).length;
  };
  const spawnAll = async (): Promise<number> => {
    const t0 = performance.now();
    await cluster.apiCtx.queue('spawn').addBulk(ids.map((agentId) => ({ name: AGENT_JOB.spawn, data: { agentId, correlationId: `bench-${agentId}-${t0}`, requestedBy: 'system' }, opts: { priority: PRIORITY.high } })));
    await until(async () => (await statuses('idle')) === n, 300_000, 20);
    return performance.now() - t0;
  };
  const stopAll = async (): Promise<void> => {
    for (const id of ids) await cluster.json('POST', `/api/agents/${id}/stop`, 202, { body: {} });
    await until(async () => (await statuses('stopped')) === n, 120_000);
  };
  const perHost = async (): Promise<string> => {
    const runtimes = await readRuntimes(cluster.apiCtx.redis, cluster.apiCtx.keys, ids);
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(runtimes.get(id)?.hostId ?? '?', (counts.get(runtimes.get(id)?.hostId ?? '?') ?? 0) + 1);
    return [...counts].map(([h, c]) => `${h} ${c}`).join(', ');
  };

  await cluster.startHost('spawn-1', tiny);
  const oneMs = await spawnAll();
  const one = await perHost();
  await stopAll();
  await cluster.startHost('spawn-2', tiny);
  await cluster.startHost('spawn-3', tiny);
  const threeMs = await spawnAll();
  const three = await perHost();
  await stopAll();
  const rate = (ms: number): string => `${((n / ms) * 1000).toFixed(1)}/s`;
  out(`spawns: ${n} agents (${TINY.split('/').at(-1)}), spawn jobs → all idle`);
  out(`  1 host  (baseline): ${(oneMs / 1000).toFixed(2)} s = ${rate(oneMs)}  [${one}]`);
  out(`  3 hosts:            ${(threeMs / 1000).toFixed(2)} s = ${rate(threeMs)}  [${three}]`);
  out(`  ratio: 3 hosts ${(oneMs / threeMs).toFixed(2)}x the spawn rate of 1 (all on this one ${os.cpus().length}-core machine)`);
}

async function failover(cluster: Cluster, runs: number): Promise<void> {
  const { apiCtx } = cluster;
  const agentId = 'runner';
  const runtime = () => readRuntime(apiCtx.redis, apiCtx.keys, agentId);
  const idleOn = (hostId: string) => async () => {
    const r = await runtime();
    return r?.status === 'idle' && r.hostId === hostId;
  };
  let current: ClusterHost = await cluster.startHost('fo-0');
  await cluster.json('POST', '/api/agents', 201, { body: { id: agentId, start: true } });
  await until(idleOn(current.id), 60_000, 20);
  const session = (await runtime())!.sessionId;
  // a turn in the session, so that a transcript travels
  await cluster.json('POST', `/api/agents/${agentId}/turn`, 202, { body: { text: 'remember 42' } });
  await until(async () => ((await runtime())?.turns ?? 0) >= 1 && (await idleOn(current.id)()), 60_000, 20);

  const total: number[] = [];
  const detect: number[] = [];
  const recover: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const next = await cluster.startHost(`fo-${i}`);
    const killedAt = Date.now();
    current.child.kill('SIGKILL');
    await until(idleOn(next.id), 120_000, 10);
    const idleAt = Date.now();
    const down = (await apiCtx.redis.xrange(apiCtx.keys.events(), String(killedAt), '+'))
      .map(([id, f]) => ({ at: Number(id.split('-')[0]), e: JSON.parse(f[1] as string) as { type: string; hostId?: string } }))
      .find((x) => x.e.type === 'host.down' && x.e.hostId === current.id);
    const r = await runtime();
    if (r?.sessionId !== session) throw new Error(`run ${i}: the session changed (${session} → ${r?.sessionId})`);
    total.push(idleAt - killedAt);
    if (down) {
      detect.push(down.at - killedAt);
      recover.push(idleAt - down.at);
    }
    current = next;
  }

  // baseline: a plain start of the same agent on a live host
  const starts: number[] = [];
  for (let i = 0; i < runs; i++) {
    await cluster.json('POST', `/api/agents/${agentId}/stop`, 202, { body: {} });
    await until(async () => (await runtime())?.status === 'stopped', 60_000, 20);
    const t0 = Date.now();
    await cluster.json('POST', `/api/agents/${agentId}/start`, 202);
    await until(idleOn(current.id), 60_000, 10);
    starts.push(Date.now() - t0);
  }
  const [t, d, rc, s] = [summarize(total), summarize(detect), summarize(recover), summarize(starts)];
  out(`failover: SIGKILL of the agent's host → idle on the next host, same session (restored, resumed); heartbeat 200 ms, TTL 1000 ms`);
  out(`  ${line('kill → idle elsewhere', t)}`);
  out(`  ${line('  detection (kill → host.down)', d)}`);
  out(`  ${line('  recovery (host.down → idle)', rc)}`);
  out(`  ${line('baseline: start on a live host', s)}`);
  out(`  ratio: recovery p50 ${(rc.p50 / s.p50).toFixed(2)}x a plain start; failover p50 = TTL + ${(t.p50 - 1000).toFixed(0)} ms`);
}
