import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { registryClientFor } from '../../shared/registry/registry-client.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { AgentRequestWatch } from '../../workers/approvals/agent-request-watch.js';
import type { NoxWorker } from '../../workers/worker-assembly.js';
import { FAKE_CLAUDE, type AgentStack } from '../agents/agent-stack.js';
import { testConfig, testContext, waitUntil } from '../support/harness.js';
import { startTestWorker } from '../support/test-worker.js';
import { userTurnsOf } from '../support/transcripts.js';

/**
 * A worker host built the way `nox worker` builds it (test/support/test-worker.ts), running
 * the stand-in agents (test/fixtures/fake-claude.mjs) — among its roles the `approvals`
 * queue and the watch that acts on spawn_agent / delete_agent decisions — added to an
 * agent stack started with `hosts: 0` (test/agents/agent-stack.ts), whose own hosts leave
 * approvals out. `close()` is a clean stop of the worker side (what a restart does first);
 * the stack cleans up the rest.
 */
export interface AgentRequestHost {
  ctx: NoxContext;
  agents: NoxWorker['agents'];
  messaging: NoxWorker['messaging'];
  host: NoxWorker['host'];
  watch: AgentRequestWatch;
  close(): Promise<void>;
}

export async function addAgentRequestHost(stack: AgentStack, overrides: Record<string, unknown> = {}): Promise<AgentRequestHost> {
  const config = testConfig({
    prefix: stack.config.redis.prefix,
    registryDir: stack.config.registryDir,
    overrides: {
      'agent.command': process.execPath,
      'agent.args': [FAKE_CLAUDE],
      'agent.stop_grace_ms': 1000,
      'agent.conversation_flush_ms': 50,
      'agent.sampling_interval_ms': 60_000,
      'approvals.sweep_interval_ms': 300,
      'messages.sweep_interval_ms': 300,
      'worker.concurrency': 8,
      'worker.host_id': `ar-${randomBytes(2).toString('hex')}`,
      ...overrides,
    },
  });
  const ctx = testContext(config, 'worker');
  const worker = await startTestWorker(ctx);
  return {
    ctx,
    agents: worker.agents,
    messaging: worker.messaging,
    host: worker.host,
    watch: worker.agentRequests!,
    async close() {
      await worker.stop(); // closes this context's approvals too
      await registryClientFor(ctx).close();
      await ctx.close();
    },
  };
}

/** The user turns a stand-in agent recorded in its session transcript, in order. */
export const turnsOf = (stack: AgentStack, agentId: string): Promise<string[]> => userTurnsOf(stack.config, stack.apiCtx, agentId);

/** The approval-history.toml line of an approval, once the registry writer has it. */
export async function waitHistory(stack: AgentStack, approvalId: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  const file = path.join(stack.config.registryDir, 'approval-history.toml');
  let line: Record<string, unknown> | undefined;
  await waitUntil(() => {
    const decisions = existsSync(file) ? (((parseToml(readFileSync(file, 'utf8')) as { decisions?: unknown }).decisions ?? []) as Record<string, unknown>[]) : [];
    line = decisions.find((d) => d.id === approvalId);
    return line !== undefined;
  }, timeoutMs);
  return line as Record<string, unknown>;
}

/** GET /api/agent-requests/:id, as a viewer. */
export type AgentRequestView = { status: string; error?: string; result?: Record<string, unknown> };

/** Waits for an agent request (by its approval id) to reach a status; the error says where it was. */
export async function waitAgentRequest(stack: AgentStack, approvalId: string, status: string, timeoutMs = 20_000): Promise<AgentRequestView> {
  let last: AgentRequestView | undefined;
  await waitUntil(async () => {
    last = await stack.json<AgentRequestView>('GET', `/api/agent-requests/${approvalId}`, 200, { role: 'viewer' });
    return last.status === status;
  }, timeoutMs).catch(() => {
    throw new Error(`agent request ${approvalId} did not become ${status}: ${JSON.stringify(last)}`);
  });
  return last as AgentRequestView;
}
