import { registryClientFor } from '../../shared/registry/registry-client.js';
import { closeApprovals } from '../../shared/approvals/approvals.js';
import { createPermissionGate, type PermissionGate } from '../../workers/approvals/permission-gate.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { createAgentHost, type AgentHost } from '../../workers/agents/agent-host.js';
import { approvalHandlers } from '../../workers/approvals/approval-handlers.js';
import { startWorkerHost, type WorkerHost } from '../../workers/host.js';
import type { AgentStack } from '../agents/agent-stack.js';
import { testConfig, testContext } from '../support/harness.js';

/**
 * A worker host built the way `nox worker` builds it — agents whose tool-permission
 * questions go through the permission gate, and a consumer of the `approvals` queue — added
 * to an agent stack started with `hosts: 0` (test/agents/agent-stack.ts). `close()` stops
 * it and closes what the approvals and the agents' registry clients opened, then the stack
 * can clean up.
 */
export interface GatedHost {
  ctx: NoxContext;
  gate: PermissionGate;
  agents: AgentHost;
  host: WorkerHost;
  close(): Promise<void>;
}

export async function addGatedHost(stack: AgentStack, overrides: Record<string, unknown>): Promise<GatedHost> {
  const config = testConfig({
    prefix: stack.config.redis.prefix,
    registryDir: stack.config.registryDir,
    overrides: { 'agent.stop_grace_ms': 1000, 'agent.conversation_flush_ms': 50, 'agent.sampling_interval_ms': 60_000, 'worker.host_id': 'approvals-host', ...overrides },
  });
  const ctx = testContext(config, 'worker');
  const gate = createPermissionGate(ctx);
  const agents = createAgentHost(ctx, { sharedQueues: { approvals: approvalHandlers() } }, { permissions: gate });
  const host = await startWorkerHost(ctx, agents.hostOptions);
  await agents.attach(host);
  return {
    ctx,
    gate,
    agents,
    host,
    async close() {
      agents.monitor?.stop();
      await host.close();
      await gate.close();
      await closeApprovals(ctx);
      await closeApprovals(stack.apiCtx);
      // the agents' shared registry clients hold queue-event connections of their own
      await registryClientFor(ctx).close();
      await registryClientFor(stack.apiCtx).close();
      await ctx.close();
    },
  };
}
