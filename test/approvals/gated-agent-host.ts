import { registryClientFor } from '../../shared/registry/registry-client.js';
import { closeApprovals } from '../../shared/approvals/approvals.js';
import type { PermissionGate } from '../../workers/approvals/permission-gate.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { AgentHost } from '../../workers/agents/agent-host.js';
import type { WorkerHost } from '../../workers/host.js';
import type { AgentStack } from '../agents/agent-stack.js';
import { testConfig, testContext } from '../support/harness.js';
import { startTestWorker } from '../support/test-worker.js';

/**
 * A worker host built the way `nox worker` builds it (test/support/test-worker.ts) —
 * agents whose tool-permission questions go through the permission gate, a consumer of the
 * `approvals` queue — added to an agent stack started with `hosts: 0`
 * (test/agents/agent-stack.ts), whose own hosts leave approvals out. `close()` stops it and
 * closes what the approvals and the agents' registry clients opened, then the stack can
 * clean up.
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
  const worker = await startTestWorker(ctx);
  return {
    ctx,
    gate: worker.gate!,
    agents: worker.agents,
    host: worker.host,
    async close() {
      await worker.stop(); // closes the gate and this context's approvals too
      await closeApprovals(stack.apiCtx);
      // the agents' shared registry clients hold queue-event connections of their own
      await registryClientFor(ctx).close();
      await registryClientFor(stack.apiCtx).close();
      await ctx.close();
    },
  };
}
