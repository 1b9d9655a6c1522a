import { closeApprovals } from '../../shared/approvals/approvals.js';
import { createPermissionGate } from '../../workers/approvals/permission-gate.js';
import { errorFields } from '../../shared/logger.js';
import { startAgentWorkHost, type AgentWorkHost } from '../../workers/agent-work-host.js';
import { approvalHandlers } from '../../workers/approvals/approval-handlers.js';
import { startAgentRequestWatch, type AgentRequestWatch } from '../../workers/approvals/agent-request-watch.js';
import { startApprovalSweep } from '../../workers/approvals/approval-sweep.js';
import { defaultHostId } from '../../workers/host-identity.js';
import { containerStatsReporter } from '../../workers/mcp/stats-reporter.js';
import { wireMcpHost, type WiredMcpHost } from '../../workers/mcp/wire-host.js';
import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import { contextFor } from '../boot.js';
import { onShutdownSignal } from '../signals.js';

export async function runWorker(options: { registryWriter?: boolean } = {}): Promise<void> {
  const ctx = contextFor('worker');
  let work: AgentWorkHost | undefined;
  let registryWriter: RegistryWriter | undefined;
  let mcp: WiredMcpHost | undefined;
  let agentRequests: AgentRequestWatch | undefined;
  const gate = createPermissionGate(ctx);
  try {
    // Agents (issue 4), messages and tasks (issue 5): workers/agent-work-host.ts.
    // Approvals (issue 6): every host consumes the shared `approvals` queue and sweeps unrecorded decisions;
    // tool-permission questions of this host's agents go through approvals (the permission gate).
    // MCP services (issue 8): with a Docker-API engine, the `mcp` queue (installs once
    // approved, removals), container kills on the host queue, the container watcher/reaper.
    const hostId = ctx.config.worker.host_id ?? defaultHostId();
    mcp = await wireMcpHost(ctx, { hostId, onStats: containerStatsReporter(ctx, hostId) });
    work = await startAgentWorkHost(ctx, { sharedQueues: { approvals: approvalHandlers(), ...mcp.sharedQueues }, hostHandlers: mcp.hostHandlers }, { permissions: gate });
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
    await registryWriter?.close();
    await work?.stop();
    await mcp?.stop();
    await gate.close();
    await closeApprovals(ctx);
    await ctx.close();
  });
}
