import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { listHosts } from '../../shared/hosts/host-directory.js';
import type { DomainEvent } from '../../shared/types.js';
import { startNoxWorker } from '../../workers/worker-assembly.js';
import { dropPrefix, testConfig, testContext, uniquePrefix } from '../support/harness.js';

/** The worker assembly `nox worker` runs: what it starts, and what a failed start leaves behind (nothing). */
describe('worker assembly (startNoxWorker)', function () {
  this.timeout(30_000);
  const made: string[] = [];
  const prefix = uniquePrefix();
  // an engine that cannot answer, so the host runs without MCP services whatever DOCKER_HOST says
  const noEngine = `unix:///tmp/nox-no-engine-${randomBytes(3).toString('hex')}.sock`;
  const config = (hostId: string, registryDir?: string) =>
    testConfig({ prefix, registryDir, overrides: { 'worker.host_id': hostId, 'mcp.docker_host': noEngine } });
  const hostIds = async (ctx: ReturnType<typeof testContext>) => (await listHosts(ctx.redis, ctx.keys)).filter((h) => h.alive).map((h) => h.id);
  const events = async (ctx: ReturnType<typeof testContext>, type: string): Promise<DomainEvent[]> =>
    (await ctx.redis.xrange(ctx.keys.events(), '-', '+')).map(([, f]) => JSON.parse(f[1] as string) as DomainEvent).filter((e) => e.type === type);

  after(async () => {
    await dropPrefix(prefix);
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it('with every role: consumes the shared queues and its own, writes the registry, and stop() deregisters', async () => {
    const cfg = config(`wa-full-${randomBytes(2).toString('hex')}`);
    made.push(cfg.registryDir);
    const ctx = testContext(cfg, 'worker');
    const worker = await startNoxWorker(ctx, { registryWriter: { watchTasks: false } });
    try {
      expect([...worker.host.workers.keys()].sort()).to.deep.equal([ctx.keys.hostQueue(worker.id), 'approvals', 'messages', 'spawn', 'tasks'].sort());
      // routing jobs run messages.route_concurrency at a time; the other queues worker.concurrency
      expect(worker.host.workers.get('messages')?.opts.concurrency).to.equal(ctx.config.messages.route_concurrency);
      expect(worker.host.workers.get('spawn')?.opts.concurrency).to.equal(ctx.config.worker.concurrency);
      expect(ctx.config.messages.route_concurrency).to.not.equal(ctx.config.worker.concurrency);
      expect(worker.mcp?.health()).to.include({ available: false });
      expect(worker.gate).to.not.equal(undefined);
      expect(worker.agentRequests).to.not.equal(undefined);
      expect(worker.approvalSweep).to.not.equal(undefined);
      expect(worker.registryWriter?.worker.isRunning()).to.equal(true);
      expect(await hostIds(ctx)).to.include(worker.id);
    } finally {
      await worker.stop();
    }
    expect(worker.registryWriter?.worker.isRunning()).to.equal(false);
    expect(await hostIds(ctx)).to.not.include(worker.id);
    expect((await events(ctx, 'host.stopped')).map((e) => e.hostId)).to.include(worker.id);
    await ctx.close();
  });

  it('roles turned off are not started', async () => {
    const cfg = config(`wa-bare-${randomBytes(2).toString('hex')}`);
    made.push(cfg.registryDir);
    const ctx = testContext(cfg, 'worker');
    const worker = await startNoxWorker(ctx, { mcp: false, approvals: false, approvalSweep: false, agentRequests: false, permissionGate: false });
    try {
      expect([...worker.host.workers.keys()].sort()).to.deep.equal([ctx.keys.hostQueue(worker.id), 'messages', 'spawn', 'tasks'].sort());
      expect([worker.mcp, worker.gate, worker.agentRequests, worker.approvalSweep, worker.registryWriter]).to.deep.equal([undefined, undefined, undefined, undefined, undefined]);
    } finally {
      await worker.stop();
      await ctx.close();
    }
  });

  it('a start that fails after the host registered stops what had started (the host deregisters) and rethrows', async () => {
    // the registry writer starts last but one: a registry folder under a plain file makes it fail
    const parent = mkdtempSync(path.join(tmpdir(), 'nox-test-'));
    made.push(parent);
    writeFileSync(path.join(parent, 'not-a-folder'), '');
    const hostId = `wa-fail-${randomBytes(2).toString('hex')}`;
    const ctx = testContext(config(hostId, path.join(parent, 'not-a-folder', 'registry')), 'worker');
    try {
      const failed = await startNoxWorker(ctx, { registryWriter: { watchTasks: false } }).then(
        () => undefined,
        (err: unknown) => err as NodeJS.ErrnoException,
      );
      expect(failed?.code).to.equal('ENOTDIR');
      expect(await hostIds(ctx)).to.not.include(hostId);
      expect((await events(ctx, 'host.up')).map((e) => e.hostId), 'it did start').to.include(hostId);
      expect((await events(ctx, 'host.stopped')).map((e) => e.hostId)).to.include(hostId);
    } finally {
      await ctx.close();
    }
  });

  it('a start refused because a live host has the id leaves that host registered', async () => {
    const hostId = `wa-dup-${randomBytes(2).toString('hex')}`;
    const cfg = config(hostId);
    made.push(cfg.registryDir);
    const liveCtx = testContext(cfg, 'worker');
    const live = await startNoxWorker(liveCtx, { mcp: false });
    const dupCtx = testContext(config(hostId, cfg.registryDir), 'worker');
    try {
      const refused = await startNoxWorker(dupCtx, { mcp: false }).then(
        () => undefined,
        (err: unknown) => err as Error,
      );
      expect(refused?.message).to.match(/in use by a live host/);
      expect(await hostIds(liveCtx)).to.include(hostId);
    } finally {
      await live.stop();
      await dupCtx.close();
      await liveCtx.close();
    }
  });
});
