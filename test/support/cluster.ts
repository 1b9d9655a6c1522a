import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readRuntime, type AgentRuntime } from '../../shared/agents/runtime-state.js';
import type { NoxConfig } from '../../shared/config/schema.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { DomainEvent } from '../../shared/types.js';
import { agentConfigDir } from '../../workers/agents/claude-cli/command-line.js';
import { readTranscript } from '../../workers/messages/deliverer.js';
import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import { apiCaller, type ApiCaller } from './api-caller.js';
import { testContext } from './harness.js';
import { createNetwork, netnsUnavailable, type Network } from './netns.js';
import { startApiWithWorkers, stopWorkerProcesses, type ApiWithWorkers } from './worker-process.js';

/**
 * Machines that share nothing but Redis (issue 15, "Many machines" in docs/HOSTS.md):
 * "machine A" is this process — the API and the registry writer on the registry folder — and
 * each worker host is a child process with a folder of its own, where the registry folder
 * is absent, reading the registry from Redis.
 *
 * With `netns` (test/support/netns.ts) the separation is the kernel's: every host runs in its
 * own network namespace, reaching a private Redis and the API over a bridge's addresses (no
 * loopback of this machine), in its own mount namespace where the folder holding every
 * machine's files — the writer's registry included — is an empty tmpfs but for its own
 * folder, and under its own hostname. `see(path)` reads a host's files through
 * `/proc/<pid>/root`, its own view, while it runs.
 */
export interface Machine {
  root: string;
  registryDir: string;
  workspace: string;
}

export interface ClusterHost {
  id: string;
  machine: Machine;
  child: ChildProcess;
  /** a path on this host's machine, as this process can read it */
  see(p: string): string;
  /** what the agent's session transcript holds on this host's disk */
  transcript(agentId: string, sessionId: string): string;
}

export interface Cluster extends ApiCaller {
  readonly config: NoxConfig;
  readonly apiCtx: NoxContext;
  readonly apiUrl: string;
  /** the network namespaces' bridge, when there is one */
  readonly network: Network | undefined;
  startHost(id: string, extra?: Record<string, unknown>): Promise<ClusterHost>;
  /** stops (SIGTERM) every host still running, so that the next scenario places on its own hosts */
  stopHosts(): Promise<void>;
  runtime(agentId: string): Promise<AgentRuntime | undefined>;
  /** the event stream, oldest first */
  events(): Promise<DomainEvent<Record<string, unknown>>[]>;
  cleanup(): Promise<void>;
}

export async function startCluster(overrides: Record<string, unknown>, options: { netns?: boolean } = {}): Promise<Cluster> {
  const parent = mkdtempSync(path.join(tmpdir(), 'nox-cluster-'));
  const network = options.netns ? await createNetwork() : undefined;
  let stack: ApiWithWorkers | undefined;
  let writerCtx: NoxContext | undefined;
  let writer: RegistryWriter | undefined;
  const cleanup = async (): Promise<void> => {
    await stack?.cleanup();
    await writer?.close();
    await writerCtx?.close();
    await network?.close();
    rmSync(parent, { recursive: true, force: true });
  };
  try {
    const reach = network ? { 'redis.url': network.redisUrl, 'api.host': network.address } : {};
    stack = await startApiWithWorkers({ ...overrides, ...reach }, { registryDir: path.join(parent, 'machine-a', '.nox-registry') });
    writerCtx = testContext(stack.config, 'worker');
    writer = await startRegistryWriter(writerCtx, { watchTasks: false });
  } catch (err) {
    await cleanup();
    throw err;
  }
  const { config, apiCtx, api } = stack;
  const started = stack;
  const hosts: ClusterHost[] = [];
  return {
    ...apiCaller(api.url),
    config,
    apiCtx,
    apiUrl: api.url,
    network,
    async startHost(id, extra = {}) {
      const root = path.join(parent, id);
      const machine: Machine = { root, registryDir: path.join(root, '.nox-registry'), workspace: path.join(root, '.nox-work') };
      const launch = network ? await network.hostLauncher(id, { hide: parent, root }) : undefined;
      const child = await started.startWorker(
        { 'registry.reads': 'auto', 'worker.host_id': id, 'agent.workspace_root': machine.workspace, ...(network ? { 'agent.api_url': api.url } : {}), ...extra },
        { registryDir: machine.registryDir, ...(launch ? { launch } : {}) },
      );
      const see = (p: string): string => (network ? path.join(`/proc/${child.pid}/root`, p) : p);
      const host: ClusterHost = {
        id,
        machine,
        child,
        see,
        transcript: (agentId, sessionId) => readTranscript(see(agentConfigDir({ ...config, registryDir: machine.registryDir }, agentId)), sessionId),
      };
      hosts.push(host);
      return host;
    },
    stopHosts: () => stopWorkerProcesses(hosts.map((h) => h.child)),
    runtime: (agentId) => readRuntime(apiCtx.redis, apiCtx.keys, agentId),
    async events() {
      return (await apiCtx.redis.xrange(apiCtx.keys.events(), '-', '+')).map(([, f]) => JSON.parse(f[1] as string) as DomainEvent<Record<string, unknown>>);
    },
    cleanup,
  };
}

/**
 * A cluster for the tests of one `describe`, made before them and removed after. With
 * `netns`, where namespaces cannot be made (not root, no `ip`), the tests skip and the
 * reason is printed.
 */
export function useCluster(overrides: Record<string, unknown>, options: { netns?: boolean } = {}): () => Cluster {
  let cluster: Cluster | undefined;
  before(async function () {
    const why = options.netns ? await netnsUnavailable() : undefined;
    if (why) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    cluster = await startCluster(overrides, options);
  });
  after(async () => {
    await cluster?.cleanup();
  });
  return () => {
    if (!cluster) throw new Error('the cluster is made in the before hook');
    return cluster;
  };
}
