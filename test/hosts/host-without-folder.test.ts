import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readRuntime } from '../../shared/agents/runtime-state.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { DomainEvent } from '../../shared/types.js';
import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import { FAKE_CLAUDE } from '../agents/agent-stack.js';
import { apiCaller } from '../support/api-caller.js';
import { testContext, tokenFor, waitUntil } from '../support/harness.js';
import { spawnNox } from '../support/processes.js';
import { userTurns } from '../support/transcripts.js';
import { readTranscript } from '../../workers/messages/deliverer.js';
import { startApiWithWorkers, type ApiWithWorkers } from '../support/worker-process.js';

/**
 * The issue's own story (issue 15): the API and the registry writer on machine A (this
 * process, the folder), worker hosts as processes with folders of their own — the
 * registry folder absent — sharing nothing with A but Redis. An agent made through the API
 * with a label lands on the host that carries it and works there; an agent no host can take
 * says why, in its runtime, its event, and `nox agent list`.
 */
describe('hosts: a host whose folder is empty runs agents made through the API', function () {
  this.timeout(120_000);
  let stack: ApiWithWorkers;
  let writerCtx: NoxContext;
  let writer: RegistryWriter;
  const machines: string[] = [];
  const overrides = {
    'agent.command': process.execPath,
    'agent.args': [FAKE_CLAUDE],
    'agent.store': 'registry',
    'agent.stop_grace_ms': 1000,
    'agent.sampling_interval_ms': 60_000,
  };
  /** what a host on another machine reads: Redis, as `auto` decides for a folder that is not a registry */
  const elsewhere = { 'registry.reads': 'auto' };
  /** a machine's folder: `.nox-registry` and `.nox-work` under a fresh temp folder, neither made */
  const machine = (): { registryDir: string; workspace: string } => {
    const root = mkdtempSync(path.join(tmpdir(), 'nox-machine-'));
    machines.push(root);
    return { registryDir: path.join(root, '.nox-registry'), workspace: path.join(root, '.nox-work') };
  };

  before(async () => {
    // the API shares the writer's folder (machine A); the hosts are elsewhere
    stack = await startApiWithWorkers(overrides);
    writerCtx = testContext(stack.config, 'worker');
    writer = await startRegistryWriter(writerCtx, { watchTasks: false });
  });
  after(async () => {
    await stack.cleanup();
    await writer.close();
    await writerCtx.close();
    for (const m of machines) rmSync(m, { recursive: true, force: true });
  });

  it('places the agent by label on the host without a registry folder, which starts it and answers its turns', async () => {
    const { api, apiCtx } = stack;
    const { json } = apiCaller(api.url);
    const a = machine();
    const b = machine();
    await stack.startWorker({ ...elsewhere, 'worker.host_id': 'machine-a', 'worker.labels': { machine: 'a' }, 'agent.workspace_root': a.workspace }, { registryDir: a.registryDir });
    await stack.startWorker({ ...elsewhere, 'worker.host_id': 'machine-b', 'worker.labels': { machine: 'b' }, 'agent.workspace_root': b.workspace }, { registryDir: b.registryDir });
    // the hosts started with nothing on their disks: no registry, no git
    for (const m of [a, b]) expect(existsSync(path.join(m.registryDir, 'agents.toml'))).to.equal(false);

    await json('POST', '/api/agents', 201, { body: { id: 'gamma', labels: { machine: 'b' }, start: true } });
    await waitUntil(async () => (await readRuntime(apiCtx.redis, apiCtx.keys, 'gamma'))?.status === 'idle', 30_000);
    const runtime = (await readRuntime(apiCtx.redis, apiCtx.keys, 'gamma'))!;
    expect(runtime.hostId).to.equal('machine-b');
    expect(runtime.reason ?? '').to.not.match(/not-found/);

    await json('POST', '/api/agents/gamma/turn', 202, { body: { text: 'hello from machine a' } });
    const configDir = path.join(b.registryDir, '.runtime', 'agents', 'gamma', 'claude');
    await waitUntil(() => userTurns(readTranscript(configDir, runtime.sessionId!)).includes('hello from machine a'), 15_000);
    // machine b's folder holds the agent's runtime files, and still no registry
    expect(existsSync(path.join(b.registryDir, 'agents.toml'))).to.equal(false);
    expect(existsSync(path.join(b.registryDir, '.git'))).to.equal(false);
  });

  it('an agent no host can take says why: runtime.reason, an event, `nox agent list` and show', async () => {
    const { api, apiCtx, config } = stack;
    const { json } = apiCaller(api.url);
    await json('POST', '/api/agents', 201, { body: { id: 'nowhere', labels: { machine: 'c' }, start: true } });
    await waitUntil(async () => Boolean((await readRuntime(apiCtx.redis, apiCtx.keys, 'nowhere'))?.reason), 20_000);
    const runtime = (await readRuntime(apiCtx.redis, apiCtx.keys, 'nowhere'))!;
    expect(runtime.reason).to.include('no live host with free capacity and labels {"machine":"c"}');
    expect(runtime.reasonCode).to.equal('nox:no-matching-host');
    const shown = await json<{ runtime: { reason: string } }>('GET', '/api/agents/nowhere', 200);
    expect(shown.runtime.reason).to.equal(runtime.reason);

    const events = (await apiCtx.redis.xrange(apiCtx.keys.events(), '-', '+')).map(([, f]) => JSON.parse(f[1] as string) as DomainEvent<{ code: string }>);
    expect(events.some((e) => e.type === 'agent.start-failed' && e.agentId === 'nowhere' && e.data.code === 'nox:no-matching-host')).to.equal(true);

    const list = spawnNox(['agent', 'list'], { NOX_API_URL: api.url, NOX_TOKEN: tokenFor('operator'), NOX_REGISTRY_DIR: config.registryDir, LOG_LEVEL: 'silent' });
    const { code } = await list.exited();
    expect(code, list.output()).to.equal(0);
    expect(list.output()).to.match(/^nowhere\tnever-started\t-\t.*no live host with free capacity and labels \{"machine":"c"\}/m);
  });
});
