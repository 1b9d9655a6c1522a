import { expect } from 'chai';
import { readRuntime, writeRuntime } from '../../shared/agents/runtime-state.js';
import type { DomainEvent } from '../../shared/types.js';
import { containerStatsReporter } from '../../workers/mcp/stats-reporter.js';
import { startStack, waitUntil, type Stack } from '../support/harness.js';

describe('mcp container stats reported with the agent metrics', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ withHost: false });
  });
  after(() => stack.cleanup());

  it('writes the containers\' usage into a running agent\'s runtime and publishes agent.mcp-metrics; an agent without runtime is not created', async () => {
    const ctx = stack.apiCtx;
    await writeRuntime(ctx.redis, ctx.keys, 'stats-a', { status: 'idle' });
    const events: DomainEvent[] = [];
    const off = stack.api.tailer.onEvent((e) => events.push(e));
    const report = containerStatsReporter(ctx, 'h1');
    report(
      new Map([
        ['stats-a', { agentId: 'stats-a', containers: 2, memoryBytes: 64 * 1048576, cpuPercent: 12.34 }],
        ['stats-gone', { agentId: 'stats-gone', containers: 1, memoryBytes: 1048576, cpuPercent: 0 }],
      ]),
    );
    await waitUntil(() => events.some((e) => e.type === 'agent.mcp-metrics'));
    off();
    const runtime = await readRuntime(ctx.redis, ctx.keys, 'stats-a');
    expect(runtime).to.deep.include({ mcpContainers: 2, mcpMemoryMb: 64, mcpCpuPercent: 12.3 });
    expect(await readRuntime(ctx.redis, ctx.keys, 'stats-gone')).to.equal(undefined);
    const event = events.find((e) => e.type === 'agent.mcp-metrics')!;
    expect(event.hostId).to.equal('h1');
    expect((event.data as { agents: { agentId: string }[] }).agents.map((a) => a.agentId)).to.deep.equal(['stats-a', 'stats-gone']);
  });
});
