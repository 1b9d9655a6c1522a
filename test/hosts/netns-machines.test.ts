import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { useCluster } from '../support/cluster.js';
import { drainMovesAnAgent, emptyFolderRunsAgent, failoverKeepsSessions, hostOf, SCENARIO_OVERRIDES } from './scenarios.js';

/**
 * Machines that share nothing but Redis, separated by the kernel (issue 15, item 6): every
 * worker host in its own network namespace — Redis (private, with a password) and the API
 * reached over a bridge's addresses, this machine's loopback out of reach — and its own
 * mount namespace, where every other machine's folder, the writer's registry included, is
 * absent, under its own hostname (test/support/netns.ts). The scenarios are the ones the
 * plain-process suites run (scenarios.ts). Skips, saying why, where namespaces cannot be
 * made (not root, no `ip`); CI runs as root.
 */
describe('hosts under network and mount namespaces: machines that share nothing but Redis', function () {
  this.timeout(300_000);
  const cluster = useCluster(SCENARIO_OVERRIDES, { netns: true });
  afterEach(async () => {
    await cluster().stopHosts();
  });

  it('a host sees only its own folder, reaches Redis over the bridge (not loopback), under its own hostname', async () => {
    const c = cluster();
    const a = await c.startHost('ns-a');
    const b = await c.startHost('ns-b');
    expect(existsSync(c.config.registryDir), 'the writer has its registry').to.equal(true);
    expect(existsSync(a.see(c.config.registryDir)), "the writer's registry, seen from a").to.equal(false);
    expect(existsSync(a.see(b.machine.root)), "b's folder, seen from a").to.equal(false);
    expect(existsSync(a.see(a.machine.root))).to.equal(true);
    // its sockets (the namespace's own table): Redis at the bridge's address, nothing on this machine's loopback
    const remotes = establishedRemotes(a.child.pid!);
    const redis = new URL(c.network!.redisUrl);
    expect(remotes).to.include(`${redis.hostname}:${redis.port}`);
    expect(remotes.filter((r) => r.startsWith('127.'))).to.deep.equal([]);
    expect((await hostOf(c, a.id))?.hostname).to.equal('ns-a');
  });

  it('a host with an empty folder runs an agent made through the API', async () => {
    const c = cluster();
    await c.startHost('ns-empty-a', { 'worker.labels': { machine: 'a' } });
    const b = await c.startHost('ns-empty-b', { 'worker.labels': { machine: 'b' } });
    await emptyFolderRunsAgent(c, b, { machine: 'b' }, 'ns-gamma');
  });

  it('SIGKILL of a host running agents: they resume on another host, same sessions, each message read once', async () => {
    const c = cluster();
    const a = await c.startHost('ns-fail-a');
    const took = await failoverKeepsSessions(c, a, () => c.startHost('ns-fail-b'), ['ns-one', 'ns-two']);
    console.log(`      kill → resumed on the other host: ${took.map((ms) => `${ms} ms`).join(', ')} (the hosts' heartbeat TTL: 1000 ms; figures: npm run bench -- failover)`);
  });

  it('drain moves an agent between turns with its session, no message lost or doubled', async () => {
    const c = cluster();
    const a = await c.startHost('ns-drain-a');
    await drainMovesAnAgent(c, a, () => c.startHost('ns-drain-b'), 'ns-mover');
  });
});

/** `host:port` of the established TCP connections in the namespace of `pid` (/proc/<pid>/net/tcp). */
function establishedRemotes(pid: number): string[] {
  const lines = readFileSync(`/proc/${pid}/net/tcp`, 'utf8').trim().split('\n').slice(1);
  return lines
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[3] === '01')
    .map((f) => {
      const [hexIp, hexPort] = f[2]!.split(':') as [string, string];
      const ip = [3, 2, 1, 0].map((i) => parseInt(hexIp.slice(i * 2, i * 2 + 2), 16)).join('.');
      return `${ip}:${parseInt(hexPort, 16)}`;
    });
}
