import { expect } from 'chai';
import { listHosts } from '../../shared/hosts/host-directory.js';
import type { DomainEvent } from '../../shared/types.js';
import { startStack, waitUntil, type Stack } from '../support/harness.js';
import { spawnNox, type NoxProcess } from '../support/processes.js';

describe('worker host liveness', () => {
  let stack: Stack;
  let worker: NoxProcess | undefined;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    worker?.kill();
    await stack.cleanup();
  });

  const workerEnv = (hostId: string): NodeJS.ProcessEnv => ({
    NOX_REGISTRY_DIR: stack.config.registryDir,
    // the stack's folder on this machine, and no registry writer in this test: read the
    // folder (`auto` would wait for a writer to publish: docs/HOSTS.md)
    NOX_REGISTRY_READS: 'folder',
    REDIS_URL: stack.config.redis.url,
    NOX_REDIS_PREFIX: stack.config.redis.prefix,
    NOX_HOST_ID: hostId,
    NOX_WORKER_CAPACITY: '3',
    NOX_WORKER_LABELS: 'zone=test',
    NOX_HEARTBEAT_INTERVAL_MS: '200',
    NOX_HEARTBEAT_TTL_MS: '1000',
    LOG_LEVEL: 'info',
  });

  it('registers with id, hostname, pid, capacity, labels and version', async () => {
    worker = spawnNox(['worker'], workerEnv('liveness-a'));
    await worker.waitFor(/worker host started/);
    const res = await stack.call('GET', '/api/system/hosts', { role: 'viewer' });
    const { hosts } = (await res.json()) as { hosts: Record<string, unknown>[] };
    const me = hosts.find((h) => h.id === 'liveness-a');
    expect(me).to.deep.include({ alive: true, pid: worker.child.pid, capacity: 3, labels: { zone: 'test' } });
    expect(me!.version).to.match(/^\d+\.\d+\.\d+/);
  });

  it('is reported dead once its heartbeat stops (SIGKILL), and host.down is published once', async () => {
    const events: DomainEvent[] = [];
    const off = stack.api.tailer.onEvent((e) => events.push(e));
    worker!.child.kill('SIGKILL');
    await worker!.exited();
    await waitUntil(async () => {
      const hosts = await listHosts(stack.apiCtx.redis, stack.apiCtx.keys);
      return hosts.find((h) => h.id === 'liveness-a')?.alive === false;
    }, 5000);
    const res = await stack.call('GET', '/api/system/hosts', { role: 'viewer' });
    const { hosts } = (await res.json()) as { hosts: { id: string; alive: boolean }[] };
    expect(hosts.find((h) => h.id === 'liveness-a')?.alive).to.equal(false);
    expect(hosts.find((h) => h.id === stack.host!.id)?.alive).to.equal(true);

    // the in-process host's peer monitor notices and reports it, exactly once
    await waitUntil(() => events.some((e) => e.type === 'host.down' && e.hostId === 'liveness-a'), 5000);
    await stack.host!.peers.runNow();
    off();
    expect(events.filter((e) => e.type === 'host.down' && e.hostId === 'liveness-a')).to.have.length(1);
  });

  it('refuses to start a second live host with the same id', async () => {
    const dup = spawnNox(['worker'], workerEnv(stack.host!.id));
    const { code } = await dup.exited();
    expect(code).to.equal(1);
    expect(dup.output()).to.match(/in use by a live host/);
  });
});
