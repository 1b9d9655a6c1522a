import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { buildContainerSpec, containerName } from '../../workers/mcp/engine/container-spec.js';
import { createContainer, listManagedContainers, startContainer } from '../../workers/mcp/engine/containers.js';
import { createEngine, type Engine } from '../../shared/mcp/engine.js';
import { processIdentity } from '../../workers/mcp/engine/process-identity.js';
import { runSpecSchema } from '../../shared/mcp/run-spec.js';
import { createLogger } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { decodeEntry } from '../../shared/events/event-bus.js';
import type { McpRunSpecInput } from '../../shared/mcp/run-spec.js';
import { selfCommand } from '../../shared/runtime/self-command.js';
import { startContainerWatcher, type ContainerWatcher, type ContainerWatcherOptions } from '../../workers/mcp/container-watcher.js';
import { NODE_MOUNT } from '../fixtures/mcp/build-image.js';
import { deletePrefix, testConfig, testContext, waitUntil } from '../support/harness.js';
import { connectClient } from './support/endpoint-client.js';
import { removeAgentContainers, testEngine } from './support/engine.js';

/**
 * The host's watcher against real containers: orphans (dead host process, ended session, agent not running)
 * are removed at boot and on demand, a stopped agent's containers are killed, other hosts'
 * containers are never touched, and stats come back per agent.
 */
describe('mcp container watcher: orphans, killing, stats', function () {
  this.timeout(120_000);
  const logger = createLogger({ level: 'silent' });
  let engine: Engine;
  let dockerHost: string;
  let image: string;
  let hostId: string;
  let otherHost: string;
  let active: ContainerWatcher | undefined;
  let ctx: NoxContext | undefined;
  const children: Array<{ kill(signal?: NodeJS.Signals): boolean }> = [];

  before(async () => {
    ({ engine, dockerHost, image } = await testEngine());
  });
  beforeEach(() => {
    hostId = `t-host-${randomBytes(4).toString('hex')}`;
    otherHost = `t-other-${randomBytes(4).toString('hex')}`;
  });
  afterEach(async () => {
    await active?.stop();
    active = undefined;
    for (const c of children.splice(0)) c.kill('SIGKILL');
    await removeAgentContainers(engine, hostId);
    await removeAgentContainers(engine, otherHost);
    if (ctx) {
      await deletePrefix(ctx.redis, ctx.config.redis.prefix);
      await ctx.close();
      rmSync(ctx.config.registryDir, { recursive: true, force: true });
      ctx = undefined;
    }
  });

  /** A running service container as a session would have made it, run by the process `owner` in session `session`. */
  async function serviceContainer(agentId: string, owner: string, host = hostId, session = 's-test'): Promise<string> {
    const spec = runSpecSchema.parse({
      agentId,
      service: 'echo',
      hostId: host,
      image,
      entrypoint: [],
      command: ['/bin/sleep', '300'],
      limits: { memoryMb: 64, cpus: 0.5, pids: 32 },
      mounts: [NODE_MOUNT],
    });
    const create = buildContainerSpec({ spec, owner: { process: owner, session }, sourceEnv: {} });
    create.name = containerName(spec, randomBytes(3).toString('hex'));
    const id = await createContainer(engine, create);
    await startContainer(engine, id);
    return id;
  }

  /** The identity of a process that has exited: what a crashed worker host leaves on its containers. */
  async function deadIdentity(): Promise<string> {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    const identity = processIdentity(child.pid!);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    return identity;
  }

  /** A watcher on this test's host whose timers never fire during the test (passes are run by hand). */
  async function watch(extra: Partial<ContainerWatcherOptions> & Pick<ContainerWatcherOptions, 'isAgentRunning'>): Promise<ContainerWatcher> {
    active = await startContainerWatcher({ engine, hostId, logger, reapIntervalMs: 3_600_000, statsIntervalMs: 3_600_000, stopTimeoutS: 1, ...extra });
    return active;
  }

  const ids = async (host: string) => (await listManagedContainers(engine, { host })).map((c) => c.id).sort();

  it('removes orphans at boot — dead owner process or agent not running — and keeps live ones and other hosts', async () => {
    const alive = processIdentity();
    const keep = await serviceContainer('a-live', alive);
    const deadOwner = await serviceContainer('a-live', await deadIdentity());
    const stoppedAgent = await serviceContainer('a-stopped', alive);
    const foreign = await serviceContainer('a-stopped', await deadIdentity(), otherHost);

    ctx = testContext(testConfig(), 'worker');
    const watcher = await watch({
      isAgentRunning: (id) => id === 'a-live',
      events: ctx.events,
    });

    expect(await ids(hostId)).to.deep.equal([keep]);
    expect(await ids(otherHost), 'another host’s containers are not ours to reap').to.deep.equal([foreign]);
    expect(watcher.reaper.lastError).to.equal(undefined);
    expect(watcher.reaper.lastRunAt).to.be.a('number');
    expect(watcher.reaper.removedTotal).to.equal(2);

    const entries = await ctx.redis.xrange(ctx.keys.events(), '-', '+');
    const removed = entries.map(([id, fields]) => decodeEntry(id, fields)).filter((e) => e?.type === 'mcp.container.removed');
    const byContainer = new Map(removed.map((e) => [(e!.data as { containerId: string }).containerId, e!]));
    expect((byContainer.get(deadOwner)!.data as { reason: string }).reason).to.equal('process-gone');
    expect((byContainer.get(stoppedAgent)!.data as { reason: string }).reason).to.equal('agent-not-running');
    expect(byContainer.get(stoppedAgent)!.hostId).to.equal(hostId);
  });

  it('reaps a container of this process whose session has ended, and keeps the open sessions’ ones', async () => {
    const self = processIdentity();
    const open = await serviceContainer('a-live', self, hostId, 's-open');
    const ended = await serviceContainer('a-live', self, hostId, 's-ended');
    const watcher = await watch({ isAgentRunning: () => true, sessionLive: (s) => s === 's-open' });
    expect(watcher.reaper.removedTotal, 'reaped at boot').to.equal(1);
    expect(await ids(hostId)).to.deep.equal([open]);
    expect(ended).to.not.equal(open);
  });

  /** Waits until a process is gone (after SIGKILL). */
  const gone = (pid: number) =>
    waitUntil(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 10_000);

  /** A process running one container session over its stdio, as a worker host runs one per agent connection. */
  function sessionProcess(spec: McpRunSpecInput) {
    const cmd = selfCommand('test/fixtures/mcp/session-process', [dockerHost, JSON.stringify(spec)]);
    return { type: 'stdio' as const, command: cmd.command, args: cmd.args, env: {} };
  }

  it('leaves nothing behind when the host process is SIGKILLed mid-session: the server gets EOF and the engine removes it', async () => {
    const watcher = await watch({ isAgentRunning: () => true });
    const entry = sessionProcess({ agentId: 'a-crash', service: 'echo', hostId, image, limits: { memoryMb: 128, cpus: 0.5, pids: 64 }, mounts: [NODE_MOUNT] });
    const { client, transport } = await connectClient(entry);
    try {
      expect((await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })).content).to.deep.equal([{ type: 'text', text: '3' }]);
      expect(await ids(hostId), 'the session container').to.have.length(1);
      expect(await watcher.reap(), 'nothing to reap while its process lives').to.deep.equal([]);
      process.kill(transport.pid!, 'SIGKILL');
      await gone(transport.pid!);
      // No cleanup code ran, yet: the attach connection dropped, StdinOnce closed the
      // server's stdin, it exited, and AutoRemove removed it.
      await waitUntil(async () => (await ids(hostId)).length === 0, 30_000, 200);
    } finally {
      await client.close().catch(() => undefined);
    }
  });

  it('reaps the container of a SIGKILLed host process whose server ignores EOF', async () => {
    const watcher = await watch({ isAgentRunning: () => true });
    const entry = sessionProcess({
      agentId: 'a-stubborn', service: 'echo', hostId, image, entrypoint: [], command: ['/bin/sleep', '300'],
      limits: { memoryMb: 64, cpus: 0.5, pids: 32 }, mounts: [NODE_MOUNT],
    });
    const host = spawn(entry.command, entry.args, { env: { PATH: process.env.PATH ?? '' }, stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(host);
    await waitUntil(async () => (await listManagedContainers(engine, { host: hostId })).some((c) => c.state === 'running'), 30_000, 200);
    const [container] = await listManagedContainers(engine, { host: hostId });
    expect(await watcher.reap(), 'nothing to reap while its process lives').to.deep.equal([]);

    host.kill('SIGKILL');
    await gone(host.pid!);
    // `sleep` does not read stdin, so EOF does not end it: still running...
    expect(await ids(hostId)).to.deep.equal([container!.id]);
    // ...until the reaper sees the process that ran its session is gone.
    expect(await watcher.reap()).to.deep.equal([container!.id]);
    expect(await ids(hostId)).to.deep.equal([]);
  });

  it('kills the containers of a stopped agent and no one else’s', async () => {
    const alive = processIdentity();
    const first = await serviceContainer('a-stop', alive);
    const second = await serviceContainer('a-stop', alive);
    const other = await serviceContainer('a-other', alive);
    const watcher = await watch({
      isAgentRunning: () => true,
    });
    expect(await ids(hostId)).to.deep.equal([first, second, other].sort());

    expect(await watcher.killAgent('a-stop')).to.equal(2);
    expect(await ids(hostId)).to.deep.equal([other]);
    expect(await watcher.killAgent('a-stop'), 'idempotent').to.equal(0);
  });

  it('samples memory, CPU and pids per container and sums them per agent', async () => {
    const alive = processIdentity();
    const id = await serviceContainer('a-stats', alive);
    const samples: number[] = [];
    const watcher = await watch({
      isAgentRunning: () => true,
      onStats: (byAgent) => samples.push(byAgent.get('a-stats')?.containers ?? 0),
    });
    const first = await watcher.sampleStats();
    expect(first.map((s) => s.containerId)).to.deep.equal([id]);
    expect(first[0]!.memoryBytes).to.be.greaterThan(0);
    expect(first[0]!.memoryLimitBytes).to.equal(64 * 1024 * 1024);
    expect(first[0]!.pids).to.be.at.least(1);
    expect(first[0]!.cpuPercent, 'no CPU figure from a single sample').to.equal(undefined);

    await new Promise((r) => setTimeout(r, 300));
    const second = await watcher.sampleStats();
    expect(second[0]!.cpuPercent).to.be.a('number').and.at.least(0);
    expect(watcher.latestStats().get('a-stats')).to.include({ agentId: 'a-stats', containers: 1 });
    expect(samples).to.deep.equal([1, 1]);
    expect(watcher.stats.lastError).to.equal(undefined);
  });

  it('records lastError instead of throwing when the engine is unreachable, and does not stop the host', async () => {
    const missing = createEngine({ dockerHost: `unix:///tmp/nox-no-engine-${randomBytes(3).toString('hex')}.sock` });
    const watcher = await watch({ engine: missing, isAgentRunning: () => true });
    expect(watcher.reaper.lastError).to.match(/ENOENT|connect/);
    expect(watcher.reaper.lastRunAt).to.be.a('number');
    const err = await watcher.sampleStats().then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
    expect(watcher.stats.lastError).to.match(/ENOENT|connect/);
  });
});
