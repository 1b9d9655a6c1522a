import { closeApprovals } from '../../shared/approvals/approvals.js';
import { createPermissionGate } from '../../shared/approvals/permission-gate.js';
import { errorFields } from '../../shared/logger.js';
import { approvalHandlers } from '../../workers/approvals/approval-handlers.js';
import { startAgentRequestWatch, type AgentRequestWatch } from '../../workers/approvals/agent-request-watch.js';
import { startApprovalSweep } from '../../workers/approvals/approval-sweep.js';
import { createAgentHost } from '../../workers/agents/agent-host.js';
import { startWorkerHost } from '../../workers/host.js';
import { defaultHostId } from '../../workers/host-identity.js';
import { containerStatsReporter } from '../../workers/mcp/stats-reporter.js';
import { wireMcpHost, type WiredMcpHost } from '../../workers/mcp/wire-host.js';
import { createMessagingHost } from '../../workers/messages/messaging-host.js';
import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import { createTaskHost } from '../../workers/tasks/task-host.js';
import { contextFor } from '../boot.js';
import { onShutdownSignal } from '../signals.js';

export async function runWorker(options: { registryWriter?: boolean } = {}): Promise<void> {
  const ctx = contextFor('worker');
  let host;
  let registryWriter: RegistryWriter | undefined;
  let mcp: WiredMcpHost | undefined;
  let agentRequests: AgentRequestWatch | undefined;
  const gate = createPermissionGate(ctx);
  // Messages and tasks (issue 5): the `messages` and `tasks` queues, delivery to this host's agents, deadlines.
  const messaging = createMessagingHost(ctx);
  const tasks = createTaskHost(ctx);
  try {
    // Approvals (issue 6): every host consumes the shared `approvals` queue and sweeps unrecorded decisions.
    // Agents (issue 4): the `spawn` queue, agent commands on the host queue, health monitor, adoption of leftovers.
    // Tool-permission questions of this host's agents go through approvals (the permission gate).
    // MCP services (issue 8): with a Docker-API engine, the `mcp` queue (installs once
    // approved, removals), container kills on the host queue, the container watcher/reaper.
    const hostId = ctx.config.worker.host_id ?? defaultHostId();
    mcp = await wireMcpHost(ctx, { hostId, onStats: containerStatsReporter(ctx, hostId) });
    const agents = createAgentHost(
      ctx,
      {
        sharedQueues: { approvals: approvalHandlers(), ...messaging.hostOptions.sharedQueues, tasks: tasks.handlers, ...mcp.sharedQueues },
        hostHandlers: { ...messaging.hostOptions.hostHandlers, ...mcp.hostHandlers },
      },
      { permissions: gate },
    );
    host = await startWorkerHost(ctx, agents.hostOptions);
    await agents.attach(host);
    await messaging.attach(agents.manager);
    await tasks.start();
    // Approval-gated spawns and deletions of agents: act once their approval is decided.
    agentRequests = await startAgentRequestWatch(ctx);
    // The registry writer role: sole consumer of the `registry` queue (concurrency 1).
    if (options.registryWriter) registryWriter = await startRegistryWriter(ctx);
  } catch (err) {
    ctx.logger.error('worker host failed to start', errorFields(err));
    process.stderr.write(`${(err as Error).message}\n`);
    await agentRequests?.stop();
    await mcp?.stop();
    await ctx.close();
    process.exit(1);
  }
  const approvalSweep = startApprovalSweep(ctx);
  onShutdownSignal(async () => {
    approvalSweep.stop();
    await agentRequests?.stop();
    messaging.deliverer?.stop();
    await tasks.stop();
    await registryWriter?.close();
    await host.close();
    await mcp?.stop();
    await messaging.stop();
    await gate.close();
    await closeApprovals(ctx);
    await ctx.close();
  });
}
