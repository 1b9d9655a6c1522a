/**
 * Registry reads from another machine (docs/HOSTS.md): what a host that reads the registry
 * from Redis pays, next to a client on the writer's folder in the same run, with an
 * agents.toml of `agents` agents (default 2000, ~1 MB).
 * - change() one at a time from each client, then a read of what it wrote (the Redis one
 *   waits until its own copy has the commit: read-your-writes);
 * - how long after a change made on the writer's machine resolves the other host reads it
 *   (the commit event, one HMGET of the changed file, a parse of the changed section);
 * - the first load of the whole registry by a new host, next to the folder's first read.
 * Usage: npm run bench -- remote-reads [agents] [changes]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { files } from '../../shared/registry/layout.js';
import { createRegistryClient } from '../../shared/registry/registry-client.js';
import { createRegistryReader } from '../../shared/registry/registry-reader.js';
import { testConfig, testContext } from '../../test/support/harness.js';
import { startRegistry } from '../../test/support/registry-fixture.js';
import { line, summarize, timeEach } from '../support/stats.js';

export async function run(args: string[]): Promise<void> {
  const agents = Number(args[0] ?? 2000);
  const n = Number(args[1] ?? 200);
  const out = (s: string): boolean => process.stdout.write(`${s}\n`);
  const reg = await startRegistry({ writer: { watchTasks: false } });
  const machine = mkdtempSync(path.join(tmpdir(), 'nox-bench-machine-'));
  const remoteCtx = testContext(testConfig({ prefix: reg.config.redis.prefix, registryDir: path.join(machine, '.nox-registry'), overrides: { 'registry.reads': 'redis' } }), 'worker');
  try {
    const table = (i: number) => ({ id: `a${i}`, name: `agent ${i}`, model: 'm0', labels: { pool: String(i % 7) }, created_at: '2026-11-28T00:00:00Z', last_modified: '2026-11-28T00:00:00Z' });
    for (let from = 0; from < agents; from += 500) {
      const changes = [];
      for (let i = from; i < Math.min(agents, from + 500); i++) changes.push({ op: 'set' as const, file: files.agents(), key: ['agents', `a${i}`], value: table(i) });
      await reg.client.change({ message: `seed ${from}`, changes }, 'system');
    }

    // first load: a new host's whole mirror, next to the folder's first read and parse
    const t0 = performance.now();
    const remote = createRegistryClient(remoteCtx);
    await remote.ready();
    const remoteCount = Object.keys(remote.read.agents()).length;
    const loadMs = performance.now() - t0;
    const t1 = performance.now();
    const folderCount = Object.keys(createRegistryReader(reg.dir).toml(files.agents()).agents as object).length;
    const folderMs = performance.now() - t1;
    if (remoteCount !== agents || folderCount !== agents) throw new Error(`expected ${agents} agents, read ${remoteCount} from Redis and ${folderCount} from the folder`);

    const change = (i: number, who: string) => ({ message: `model ${i}`, changes: [{ op: 'set' as const, file: files.agents(), key: ['agents', `a${i % agents}`, 'model'], value: `${who}${i}` }] });
    // each caller reads its write back (as a create's API call reads the agent it made)
    const folderSamples = await timeEach(n, async (i) => {
      await reg.client.change(change(i, 'f'), 'system');
      if (reg.client.read.agent(`a${i % agents}`)?.model !== `f${i}`) throw new Error('the folder client did not read its own write');
    });
    const remoteSamples = await timeEach(n, async (i) => {
      await remote.change(change(i, 'r'), 'system');
      if (remote.read.agent(`a${i % agents}`)?.model !== `r${i}`) throw new Error('the remote client did not read its own write');
    });
    // lag: a change on the writer's machine, until the other host reads it (polled every turn of the event loop)
    const lag: number[] = [];
    for (let i = 0; i < n; i++) {
      await reg.client.change(change(i, 'l'), 'system');
      const resolved = performance.now();
      while (remote.read.agent(`a${i % agents}`)?.model !== `l${i}`) await new Promise((r) => setImmediate(r));
      lag.push(performance.now() - resolved);
    }

    const f = summarize(folderSamples);
    const r = summarize(remoteSamples);
    const kb = Math.round(Buffer.byteLength((await reg.clientCtx.redis.hget(reg.clientCtx.keys.registryFiles(), 'agents.toml')) ?? '') / 1024);
    out(`remote reads: ${agents} agents (${kb} KB agents.toml), ${n} changes each; writer + folder client + a client reading Redis, one process`);
    out(`first load: Redis mirror ${loadMs.toFixed(1)} ms (subscribe, load, parse), folder read+parse ${folderMs.toFixed(1)} ms (baseline)`);
    out(line('change(), folder client (baseline)', f));
    out(line('change(), Redis client (own write)', r));
    out(line('seen by the Redis host after change', summarize(lag)));
    out(`ratio: change p50 ${(r.p50 / f.p50).toFixed(2)}x folder; first load ${(loadMs / folderMs).toFixed(2)}x folder`);
    await remote.close();
  } finally {
    await remoteCtx.close();
    await reg.cleanup();
    rmSync(machine, { recursive: true, force: true });
  }
}
