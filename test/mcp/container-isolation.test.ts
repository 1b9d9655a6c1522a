import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { McpNetworkPolicyError } from '../../shared/errors/mcp-errors.js';
import { ValidationError } from '../../shared/errors/validation-error.js';
import { attachContainer } from '../../workers/mcp/engine/attach.js';
import { buildContainerSpec, containerName } from '../../workers/mcp/engine/container-spec.js';
import { createContainer, listManagedContainers, startContainer, stopAndRemove } from '../../workers/mcp/engine/containers.js';
import { watchExit } from '../../workers/mcp/engine/exit-watch.js';
import type { Engine } from '../../shared/mcp/engine.js';
import { LABEL } from '../../workers/mcp/engine/labels.js';
import { assertNetworkAllowed } from '../../workers/mcp/engine/network-policy.js';
import { runSpecSchema, type McpRunSpecInput } from '../../shared/mcp/run-spec.js';
import { NODE_MOUNT } from '../fixtures/mcp/build-image.js';
import { removeAgentContainers, testEngine } from './support/engine.js';

/**
 * What every MCP service container gets, checked on real containers: the engine's own view
 * (inspect) and what a process inside actually sees.
 */
describe('mcp containers: labels, limits and isolation', function () {
  this.timeout(120_000);
  let engine: Engine;
  let image: string;
  const hostId = `t-host-${randomBytes(4).toString('hex')}`;
  const networks: string[] = [];

  before(async () => {
    ({ engine, image } = await testEngine());
  });
  afterEach(async () => {
    await removeAgentContainers(engine, hostId);
    for (const n of networks.splice(0)) await engine.docker.getNetwork(n).remove().catch(() => undefined);
  });

  function spec(extra: Partial<McpRunSpecInput> = {}) {
    return runSpecSchema.parse({
      agentId: `a-${randomBytes(3).toString('hex')}`,
      service: 'echo',
      hostId,
      image,
      limits: { memoryMb: 96, cpus: 0.25, pids: 40 },
      mounts: [NODE_MOUNT],
      ...extra,
    });
  }

  /** Runs a command in a service container to its end; returns what it printed on each stream. */
  async function runOnce(s: ReturnType<typeof spec>, command: string[]): Promise<{ stdout: string; stderr: string; code: number | undefined }> {
    const create = buildContainerSpec({ spec: { ...s, entrypoint: [], command }, owner: { process: `${process.pid}`, session: 's1' }, sourceEnv: {} });
    create.name = containerName(s, randomBytes(3).toString('hex'));
    const id = await createContainer(engine, create);
    const streams = await attachContainer(engine.endpoint, id);
    let stdout = '';
    let stderr = '';
    streams.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    streams.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exit = watchExit(engine.endpoint, id);
    await exit.registered;
    await startContainer(engine, id);
    streams.stdin.end();
    const code = await exit.exited;
    await streams.closed;
    await stopAndRemove(engine, id, { graceSeconds: 0 });
    return { stdout, stderr, code };
  }

  it('creates the container with the owner labels and the memory, CPU and pids limits', async () => {
    const s = spec();
    const id = await createContainer(engine, buildContainerSpec({ spec: s, owner: { process: '123:456', session: 's-456' }, sourceEnv: {} }));
    const info = await engine.docker.getContainer(id).inspect();
    expect(info.Config.Labels).to.include({
      [LABEL.managed]: 'true',
      [LABEL.agent]: s.agentId,
      [LABEL.service]: 'echo',
      [LABEL.host]: hostId,
      [LABEL.process]: '123:456',
      [LABEL.session]: 's-456',
    });
    expect(info.HostConfig.Memory).to.equal(96 * 1024 * 1024);
    expect(info.HostConfig.NanoCpus).to.equal(250_000_000);
    expect(info.HostConfig.PidsLimit).to.equal(40);
    expect(info.HostConfig.ReadonlyRootfs).to.equal(true);
    expect(info.HostConfig.NetworkMode).to.equal('none');
    expect(info.HostConfig.SecurityOpt).to.include('no-new-privileges');
    // Docker reports CapDrop as given (["ALL"]); Podman expands it to every default capability.
    const dropped = info.HostConfig.CapDrop ?? [];
    expect(dropped.includes('ALL') || ['CHOWN', 'NET_RAW', 'SETUID', 'SYS_CHROOT'].every((c) => dropped.includes(c)), `CapDrop ${dropped}`).to.equal(true);
    expect(info.HostConfig.AutoRemove).to.equal(true);
    expect(info.Config.Tty).to.equal(false);
    expect(info.Config.OpenStdin).to.equal(true);

    const listed = await listManagedContainers(engine, { agent: s.agentId });
    expect(listed.map((c) => c.id)).to.deep.equal([id]);
    expect(listed[0]!.owner).to.deep.equal({ agentId: s.agentId, service: 'echo', hostId, process: '123:456', session: 's-456' });
  });

  it('gives the process inside no capabilities, no privilege gain, no network and a read-only root', async () => {
    const s = spec();
    const out = await runOnce(s, ['/bin/sh', '-c', 'grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status; ls /sys/class/net; touch /x 2>&1 || echo ROOT-RO; touch /tmp/ok && echo TMP-RW']);
    expect(out.code).to.equal(0);
    expect(out.stdout).to.match(/CapEff:\s+0{16}/);
    expect(out.stdout).to.match(/CapBnd:\s+0{16}/);
    expect(out.stdout).to.match(/NoNewPrivs:\s+1/);
    expect(out.stdout).to.include('ROOT-RO');
    expect(out.stdout).to.include('TMP-RW');
    expect(out.stdout.split('\n')).to.include('lo').and.not.include('eth0');
  });

  it('has the kernel enforce the limits: cgroup values inside, and an allocation past the memory limit is killed', async () => {
    const s = spec();
    const read = [
      'for f in /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max; do [ -f $f ] && echo MEM=$(cat $f); done',
      'for f in /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max; do [ -f $f ] && echo PIDS=$(cat $f); done',
      '[ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ] && echo CPU=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)',
      '[ -f /sys/fs/cgroup/cpu.max ] && echo CPU=$(cat /sys/fs/cgroup/cpu.max)',
      'true',
    ].join('; ');
    const limits = await runOnce(s, ['/bin/sh', '-c', read]);
    expect(limits.stdout).to.include(`MEM=${96 * 1024 * 1024}`);
    expect(limits.stdout).to.include('PIDS=40');
    const [quota, period] = /CPU=(\d+) (\d+)/.exec(limits.stdout)!.slice(1).map(Number);
    expect(quota! / period!).to.equal(0.25);

    const hog = await runOnce(s, ['/usr/bin/node', '-e', 'const a = []; for (;;) a.push(Buffer.alloc(8 << 20, 1));']);
    expect(hog.code, hog.stderr).to.equal(137);
  });

  it('keeps stdout and stderr apart through the attach stream (no TTY)', async () => {
    const out = await runOnce(spec(), ['/bin/sh', '-c', 'echo to-out; echo to-err >&2; echo more-out']);
    expect(out.stdout).to.equal('to-out\nmore-out\n');
    expect(out.stderr).to.equal('to-err\n');
  });

  it('writes the root only when the image asks for it (nox.writable-root) or the spec forces it', () => {
    const s = spec();
    expect(buildContainerSpec({ spec: s, owner: { process: '1', session: 's1' }, sourceEnv: {}, imageLabels: {} }).HostConfig!.ReadonlyRootfs).to.equal(true);
    expect(buildContainerSpec({ spec: s, owner: { process: '1', session: 's1' }, sourceEnv: {}, imageLabels: { 'nox.writable-root': 'true' } }).HostConfig!.ReadonlyRootfs).to.equal(false);
    expect(buildContainerSpec({ spec: { ...s, readOnlyRoot: true }, owner: { process: '1', session: 's1' }, sourceEnv: {}, imageLabels: { 'nox.writable-root': 'true' } }).HostConfig!.ReadonlyRootfs).to.equal(true);
  });

  it('refuses an env secret reference whose variable is not set, instead of passing an empty secret', () => {
    const s = spec({ env: { TOKEN: { fromEnv: 'NOX_TEST_UNSET_VAR' } } });
    expect(() => buildContainerSpec({ spec: s, owner: { process: '1', session: 's1' }, sourceEnv: {} })).to.throw(ValidationError, /NOX_TEST_UNSET_VAR/);
  });

  it('allows an internal network and refuses one that is not internal or does not exist', async () => {
    const internal = `nox-t-int-${randomBytes(3).toString('hex')}`;
    const open = `nox-t-open-${randomBytes(3).toString('hex')}`;
    networks.push(internal, open);
    await engine.docker.createNetwork({ Name: internal, Internal: true });
    await engine.docker.createNetwork({ Name: open, Internal: false });

    await assertNetworkAllowed(engine, { internal });
    const notInternal = await assertNetworkAllowed(engine, { internal: open }).then(() => undefined, (e: unknown) => e);
    expect(notInternal).to.be.instanceOf(McpNetworkPolicyError);
    expect((notInternal as McpNetworkPolicyError).message).to.match(/is not internal/);
    const missing = await assertNetworkAllowed(engine, { internal: 'nox-t-no-such-net' }).then(() => undefined, (e: unknown) => e);
    expect(missing).to.be.instanceOf(McpNetworkPolicyError);

    const s = spec({ network: { internal } });
    const id = await createContainer(engine, buildContainerSpec({ spec: s, owner: { process: '1', session: 's1' }, sourceEnv: {} }));
    const info = await engine.docker.getContainer(id).inspect();
    // Docker says NetworkMode = the network's name; Podman says `bridge` and lists it here.
    expect(Object.keys(info.NetworkSettings.Networks ?? {})).to.deep.equal([internal]);
    expect(info.HostConfig.NetworkMode).to.be.oneOf([internal, 'bridge']);
    const out = await runOnce(s, ['/bin/ls', '/sys/class/net']);
    expect(out.stdout.split('\n')).to.include.members(['lo', 'eth0']);
  });
});
