import { closeApprovals } from '../shared/approvals/approvals.js';
import { markRegistryWriterHere } from '../shared/registry/registry-client.js';
import { waitForRegistry } from './registry-wait.js';
import { errorFields } from '../shared/logger.js';
import type { NoxContext } from '../shared/runtime/context.js';
import { createAgentHost, type AgentHost } from './agents/agent-host.js';
import { startAgentRequestWatch, type AgentRequestWatch } from './approvals/agent-request-watch.js';
import { approvalHandlers } from './approvals/approval-handlers.js';
import { attentionHandlers } from './attention/attention-handlers.js';
import { startAttentionWatch, type AttentionWatch } from './attention/attention-watch.js';
import { startApprovalSweep } from './approvals/approval-sweep.js';
import { createPermissionGate, type PermissionGate } from './approvals/permission-gate.js';
import { startWorkerHost, type WorkerHost } from './host.js';
import { defaultHostId } from './host-identity.js';
import { startHostDrain, type HostDrain } from './hosts/host-drain.js';
import { HOST_JOB } from '../shared/hosts/host-drain.js';
import { startMetricsServer, type MetricsServer } from './metrics/metrics-server.js';
import type { LoopHealth } from '../shared/types.js';
import { loopHealth, type Watched } from './runtime/loop-health.js';
import { containerStatsReporter } from './mcp/stats-reporter.js';
import { wireMcpHost, type WiredMcpHost, type WireMcpOptions } from './mcp/wire-host.js';
import { createMessagingHost, type MessagingHost } from './messages/messaging-host.js';
import { startRegistryWriter, type RegistryWriter, type RegistryWriterOptions } from './registry/registry-writer.js';
import { createTaskHost, type TaskHost } from './tasks/task-host.js';
import { parseHostCredential } from '../shared/hosts/host-credential.js';
import { defaultApiUrl } from './agents/claude-cli/command-line.js';
import { hostCredentialSource, useAgentTokens } from './host-credential/agent-token-source.js';
import { hostApi } from './host-credential/host-api.js';
import { leaveCluster } from './host-credential/credential-loss.js';
import { startCredentialWatch, type CredentialWatch } from './host-credential/credential-watch.js';

/**
 * A whole worker host, built in one place for `nox worker` and for the tests and benches
 * that run a real host, so they run what production runs:
 *
 *   const worker = await startNoxWorker(ctx, { registryWriter: true });
 *   ...on SIGTERM: await worker.stop(); await ctx.close();
 *
 * Every host runs agents' work: agents (the `spawn` queue, agent commands on its own queue,
 * the health monitor, adoption of what a previous run left), messaging (routing, delivery
 * to its agents) and tasks (the `tasks` queue, deadlines, markdown edits). The roles below
 * default to what `nox worker` runs; a test turns a role off only to leave it out of what
 * it tests, and says why.
 *
 * Start order: permission gate, MCP, the host with its queues (then agents, messaging,
 * tasks attach), the agent-request watch, the registry writer (it may wait for the
 * writer lease of another process), the approval sweep. If a step fails, `stop()` runs over
 * what started and the error is rethrown; a stop during the start goes through
 * `options.signal` the same way.
 */
export interface NoxWorkerOptions {
  /**
   * This process is the registry writer (`nox worker --registry-writer`, as `nox up` runs
   * it): the one consumer of the `registry` queue, at concurrency 1. `true`, or the writer's
   * own options (tests turn off its tasks/*.md watcher). Default off: one writer per
   * deployment.
   */
  registryWriter?: boolean | RegistryWriterOptions;
  /**
   * MCP services (issue 8), wired by wireMcpHost: the container-kill job on the host queue
   * and the container watcher, and — only when the configured engine answers — the `mcp`
   * queue and the install watch. A host without an engine runs without MCP services
   * instead of failing. An object is `true` with overrides of the wiring (tests). Default
   * true.
   */
  mcp?: boolean | Pick<WireMcpOptions, 'isAgentRunning' | 'installSweepIntervalMs'>;
  /** Consume the shared `approvals` queue: evaluate, decide or escalate, time out (issue 6). Default true. */
  approvals?: boolean;
  /** Record decisions whose recording was lost and trim decided ones, every `approvals.sweep_interval_ms`. Default true. */
  approvalSweep?: boolean;
  /** Act on decided spawn_agent / delete_agent approvals (agents asking for agents). Default true. */
  agentRequests?: boolean;
  /** Keep the "needs you" index of agents from their status events, and queue its webhook (workers/attention/). Default true. */
  attention?: boolean;
  /**
   * This host's agents ask their tool-permission questions through approvals (the
   * permission gate); without it their own permission rules answer. Default true.
   */
  permissionGate?: boolean;
  /**
   * Called once the host's credential is revoked or expired and the host has stopped taking
   * work (workers/host-credential/credential-loss.ts): `nox worker` exits. Only for a host
   * that joined with a host credential (`worker.host_token`).
   */
  onCredentialLost?: (reason: string) => void;
  /**
   * A stop that arrives while the host is still starting (`nox worker` on SIGTERM): the start
   * goes no further than the step it is in (a registry writer waiting for the lease stops
   * waiting), what has started stops in order, and the start rejects with
   * `WorkerStartStopped`. The caller closes the context after that, never during the start.
   */
  signal?: AbortSignal;
}

/** The start ended because its `signal` aborted (a stop during the start), not because a step failed. */
export class WorkerStartStopped extends Error {
  constructor() {
    super('the worker host was stopped while it was starting');
    this.name = 'WorkerStartStopped';
  }
}

type ApprovalSweep = ReturnType<typeof startApprovalSweep>;

export interface NoxWorker {
  readonly id: string;
  readonly host: WorkerHost;
  readonly agents: AgentHost;
  readonly messaging: MessagingHost;
  readonly tasks: TaskHost;
  readonly gate: PermissionGate | undefined;
  readonly mcp: WiredMcpHost | undefined;
  readonly agentRequests: AgentRequestWatch | undefined;
  readonly approvalSweep: ApprovalSweep | undefined;
  readonly registryWriter: RegistryWriter | undefined;
  /** this host's `/metrics` when `worker.metrics_port` is set */
  readonly metricsServer: MetricsServer | undefined;
  /** the check of its host credential, when it joined with one */
  readonly credentialWatch: CredentialWatch | undefined;
  /**
   * Stops it all, in this order: the approval sweep, the agent-request watch, the registry
   * writer, the host drain (its hand-overs in progress placed), message delivery, the tasks loops, the host (its workers within the shutdown
   * deadline, then its agents, then it deregisters), MCP, the permission gate, the
   * approvals this context opened. The context itself is the caller's. Runs once.
   */
  stop(): Promise<void>;
}

/** What has started so far: start-up fills it in order, stop() and the failure path read it. */
interface Parts {
  gate?: PermissionGate;
  mcp?: WiredMcpHost;
  agents?: AgentHost;
  messaging?: MessagingHost;
  tasks?: TaskHost;
  host?: WorkerHost;
  agentRequests?: AgentRequestWatch;
  registryWriter?: RegistryWriter;
  approvalSweep?: ApprovalSweep;
  metricsServer?: MetricsServer;
  credentialWatch?: CredentialWatch;
  attention?: AttentionWatch;
  drain?: HostDrain;
}

export async function startNoxWorker(ctx: NoxContext, options: NoxWorkerOptions = {}): Promise<NoxWorker> {
  const hostId = ctx.config.worker.host_id ?? defaultHostId();
  const parts: Parts = {};
  let stopping: Promise<void> | undefined;
  // a host whose credential was lost has left already (credential-loss.ts): stopping its agents
  // now would mark them stopped and keep the peers from failing them over
  const stop = (): Promise<void> => (stopping ??= parts.credentialWatch?.lost !== undefined ? Promise.resolve() : stopParts(ctx, parts));

  const signal = options.signal;
  const stillStarting = (): void => {
    if (signal?.aborted) throw new WorkerStartStopped();
  };

  try {
    if (options.registryWriter) markRegistryWriterHere(ctx);
    stillStarting();
    await waitForRegistry(ctx, hostId, signal);
    stillStarting();
    // a host that joined with a host credential asks the API for its agents' tokens (docs/HOSTS.md)
    const credential = parseHostCredential(ctx.config.worker.host_token);
    if (credential) useAgentTokens(ctx, hostCredentialSource(hostApi(defaultApiUrl(ctx.config), ctx.config.worker.host_token as string), (err) => parts.credentialWatch?.lose(err.message)));
    if (options.permissionGate !== false) parts.gate = createPermissionGate(ctx);
    // before the agents start: their first status events count
    if (options.attention !== false) parts.attention = await startAttentionWatch(ctx);
    stillStarting();
    if (options.mcp !== false) {
      const wiring = typeof options.mcp === 'object' ? options.mcp : {};
      parts.mcp = await wireMcpHost(ctx, { hostId, onStats: containerStatsReporter(ctx, hostId), ...wiring });
    }
    stillStarting();
    const messaging = (parts.messaging = createMessagingHost(ctx));
    const tasks = (parts.tasks = createTaskHost(ctx));
    const agents = (parts.agents = createAgentHost(
      ctx,
      {
        sharedQueues: {
          ...(options.approvals === false ? {} : { approvals: { ...approvalHandlers(), ...attentionHandlers() } }),
          ...parts.mcp?.sharedQueues,
          ...messaging.hostOptions.sharedQueues,
          tasks: tasks.handlers,
        },
        concurrency: messaging.hostOptions.concurrency,
        hostHandlers: {
          ...parts.mcp?.hostHandlers,
          ...messaging.hostOptions.hostHandlers,
          // the API asked this host to drain: look now (a pass runs every heartbeat interval anyway)
          [HOST_JOB.drain]: async () => ({ pass: (await parts.drain?.runNow()) ?? 'not started yet' }),
        },
      },
      { permissions: parts.gate },
    ));
    const host = (parts.host = await startWorkerHost(ctx, { ...agents.hostOptions, loops: () => partLoops(parts) }));
    stillStarting();
    if (credential) {
      parts.credentialWatch = startCredentialWatch(ctx, credential.id, (reason) => {
        void leaveCluster(ctx, { host, agents: agents.manager }, reason).then(() => options.onCredentialLost?.(reason));
      });
    }
    await agents.attach(host);
    stillStarting();
    await messaging.attach(agents.manager);
    stillStarting();
    // after adoption: a host restarted while draining has its agents back before it looks
    parts.drain = startHostDrain({ ctx, hostId: host.id, manager: agents.manager, settleDeliveries: async () => messaging.deliverer?.idle() });
    await tasks.start();
    stillStarting();
    if (options.agentRequests !== false) parts.agentRequests = await startAgentRequestWatch(ctx);
    stillStarting();
    if (options.registryWriter) parts.registryWriter = await startRegistryWriter(ctx, { ...(options.registryWriter === true ? {} : options.registryWriter), ...(signal ? { signal } : {}) });
    stillStarting();
    if (options.approvalSweep !== false) parts.approvalSweep = startApprovalSweep(ctx);
    parts.metricsServer = await startMetricsServer(ctx, host.id);
    stillStarting();
    return {
      id: host.id,
      host,
      agents,
      messaging,
      tasks,
      gate: parts.gate,
      mcp: parts.mcp,
      agentRequests: parts.agentRequests,
      approvalSweep: parts.approvalSweep,
      registryWriter: parts.registryWriter,
      metricsServer: parts.metricsServer,
      credentialWatch: parts.credentialWatch,
      stop,
    };
  } catch (err) {
    await stop().catch((stopErr: unknown) => ctx.logger.warn('stopping a worker host that failed to start failed too', errorFields(stopErr)));
    // a writer that stopped waiting for its lease rejects with the signal's reason
    if (signal?.aborted) throw new WorkerStartStopped();
    throw err;
  }
}

/** The loops of what has started, by name, for the heartbeat (health checks read them). */
function partLoops(p: Parts): Record<string, LoopHealth> {
  const loops: Record<string, LoopHealth> = {};
  const add = (name: string, loop: Watched | undefined): void => {
    if (loop) loops[name] = loopHealth(loop);
  };
  add('heartbeat', p.host?.heartbeat);
  add('health-monitor', p.agents?.monitor);
  add('conversation-flush', p.agents?.manager.conversation);
  add('registry-writer', p.registryWriter);
  add('approval-sweep', p.approvalSweep);
  add('attention-watch', p.attention);
  add('agent-request-watch', p.agentRequests?.sweep);
  add('permission-gate', p.gate);
  add('task-deadlines', p.tasks?.deadlines);
  add('task-edits', p.tasks?.edits);
  add('credential-watch', p.credentialWatch);
  add('host-drain', p.drain);
  const mcp = p.mcp?.health();
  if (mcp?.available) {
    add('mcp-reaper', { lastRunAt: mcp.reaperLastRunAt, lastError: mcp.reaperLastError });
    add('mcp-install-sweep', { lastRunAt: mcp.installSweepLastRunAt, lastError: mcp.installSweepLastError });
  }
  return loops;
}

async function stopParts(ctx: NoxContext, p: Parts): Promise<void> {
  p.credentialWatch?.stop();
  await p.metricsServer?.close();
  p.approvalSweep?.stop();
  await p.agentRequests?.stop();
  await p.registryWriter?.close();
  await p.drain?.close();
  p.messaging?.deliverer?.stop();
  await p.tasks?.stop();
  // the host stops the health monitor and the agents before it deregisters; a host that
  // never started leaves only the agents' conversation flush timer to stop
  if (p.host) await p.host.close();
  else await p.agents?.manager.conversation.stop();
  await p.messaging?.stop();
  await p.mcp?.stop();
  await p.gate?.close();
  await p.attention?.stop();
  await closeApprovals(ctx);
}
