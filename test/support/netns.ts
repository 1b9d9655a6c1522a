import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { promisify } from 'node:util';
import { waitUntil } from './harness.js';

/**
 * Real separation for the many-machines tests (issue 15, item 6; docs/HOSTS.md "Test
 * harness"): a Linux bridge with an address of its own on this machine, a private
 * `redis-server` (with a password) listening on that address only, and for each worker host
 * a network namespace joined to the bridge by a veth pair. A host started through
 * `hostLauncher` runs
 *
 *   ip netns exec <ns> unshare --mount --uts --propagation private sh -c '…' <command>
 *
 * which, before exec'ing the host in place (the child's pid is the host's): mounts an empty
 * tmpfs over the folder that holds every machine's files (the writer's registry and the
 * other hosts' folders vanish), makes the host's own folder in it, and gives the namespace
 * the host's id as hostname (agent adoption keys pids by hostname). Its loopback is its own:
 * the Redis and the API of this machine's 127.0.0.1 are out of reach.
 *
 * Needs root, iproute2's `ip`, util-linux's `unshare` and `redis-server`: `netnsUnavailable()`
 * says what is missing, and the suites skip with that reason (CI runs as root: .ci/run).
 */
const run = promisify(execFile);

export interface Network {
  /** the bridge's address: where the hosts reach Redis and the API */
  readonly address: string;
  /** the private Redis on that address, with its password */
  readonly redisUrl: string;
  /** a namespace for one host; the launcher starts a command inside it (WorkerMachine.launch) */
  hostLauncher(hostId: string, folders: { hide: string; root: string }): Promise<(cmd: { command: string; args: string[] }) => { command: string; args: string[] }>;
  close(): Promise<void>;
}

let probed: Promise<string | undefined> | undefined;

/** Why namespaces cannot be made here, or undefined when they can (checked once per process). */
export function netnsUnavailable(): Promise<string | undefined> {
  probed ??= (async () => {
    if (process.getuid?.() !== 0) return 'needs root (network namespaces, veth pairs, mounts); CI runs as root';
    for (const [tool, pkg] of [['ip', 'iproute2'], ['unshare', 'util-linux'], ['redis-server', 'redis-server']] as const) {
      try {
        await run('sh', ['-c', `command -v ${tool}`]);
      } catch {
        return `no \`${tool}\` on PATH (Debian package ${pkg})`;
      }
    }
    const ns = `noxprobe${randomBytes(3).toString('hex')}`;
    try {
      await run('ip', ['netns', 'add', ns]);
      await run('ip', ['netns', 'exec', ns, 'unshare', '--mount', '--uts', '--propagation', 'private', 'true']);
    } catch (err) {
      return `cannot make namespaces here: ${(err as Error).message.split('\n')[0]}`;
    } finally {
      await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    }
    return undefined;
  })();
  return probed;
}

/** An unused 10.x.y.0/24 (x in 200-249) for this run's bridge. */
async function freeSubnet(): Promise<string> {
  const { stdout } = await run('ip', ['-4', '-o', 'addr']);
  for (;;) {
    const net24 = `10.${200 + (randomBytes(1)[0]! % 50)}.${randomBytes(1)[0]!}`;
    if (!stdout.includes(` ${net24}.`)) return net24;
  }
}

async function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, address, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The shell that makes the host's machine, then becomes the host: $1 folder to hide, $2 own folder, $3 hostname. */
const MACHINE_SCRIPT = 'mount -t tmpfs -o mode=0755 nox-machines "$1" && mkdir -p "$2" && printf %s "$3" > /proc/sys/kernel/hostname && shift 3 && exec "$@"';

export async function createNetwork(): Promise<Network> {
  const tag = randomBytes(3).toString('hex');
  const subnet = await freeSubnet();
  const address = `${subnet}.1`;
  const bridge = `noxbr${tag}`;
  const namespaces: string[] = [];
  let redis: ChildProcess | undefined;
  const close = async (): Promise<void> => {
    if (redis && redis.exitCode === null) {
      redis.kill('SIGKILL');
      await new Promise((r) => redis!.once('exit', r));
    }
    for (const ns of namespaces) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    await run('ip', ['link', 'del', bridge]).catch(() => undefined);
  };
  try {
    await run('ip', ['link', 'add', bridge, 'type', 'bridge']);
    await run('ip', ['addr', 'add', `${address}/24`, 'dev', bridge]);
    await run('ip', ['link', 'set', bridge, 'up']);
    const port = await freePort(address);
    const password = randomBytes(12).toString('hex');
    redis = spawn('redis-server', ['--port', String(port), '--bind', address, '--save', '', '--appendonly', 'no', '--requirepass', password], { stdio: 'ignore' });
    const redisUrl = `redis://:${password}@${address}:${port}`;
    await waitUntil(() => accepts(address, port), 10_000, 100);
    let n = 0;
    return {
      address,
      redisUrl,
      async hostLauncher(hostId, folders) {
        n++;
        const ns = `nox${tag}-${n}`;
        const [outside, inside] = [`nxa${tag}${n}`, `nxb${tag}${n}`];
        await run('ip', ['netns', 'add', ns]);
        namespaces.push(ns);
        await run('ip', ['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside]);
        await run('ip', ['link', 'set', inside, 'netns', ns]);
        await run('ip', ['link', 'set', outside, 'master', bridge, 'up']);
        for (const cmd of [['addr', 'add', `${subnet}.${10 + n}/24`, 'dev', inside], ['link', 'set', inside, 'up'], ['link', 'set', 'lo', 'up']]) await run('ip', ['netns', 'exec', ns, 'ip', ...cmd]);
        return (cmd) => ({
          command: 'ip',
          args: ['netns', 'exec', ns, 'unshare', '--mount', '--uts', '--propagation', 'private', 'sh', '-c', MACHINE_SCRIPT, 'nox-machine', folders.hide, folders.root, hostId, cmd.command, ...cmd.args],
        });
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
