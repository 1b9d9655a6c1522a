import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { processGroups } from '../../workers/agents/proc-info.js';
import { waitUntil } from '../support/harness.js';
import { startAgentStack, type AgentStack } from './agent-stack.js';

describe('health monitor: one pidusage call per interval, limits enforced', () => {
  let stack: AgentStack;
  before(async () => {
    stack = await startAgentStack({ overrides: { 'agent.sampling_interval_ms': 200, 'agent.cpu_sustain_samples': 2, 'agent.throttle_period_ms': 200 } });
  });
  after(async () => {
    await stack.cleanup();
  });

  it('samples the whole process tree (children included) into Redis and agent.metrics events', async () => {
    await stack.createAgent({ id: 'tree' });
    const started = await stack.startAgent('tree');
    await stack.turn('tree', 'child');
    await stack.waitResult('tree', 1);
    // a periodic sample already running when the turn started its child does not see it:
    // sampleNow joins that one, so take the next
    const monitor = stack.hosts[0]!.agents.monitor!;
    await monitor.sampleNow();
    const mine = (await monitor.sampleNow()).find((s) => s.agentId === 'tree')!;
    // the tree: bubblewrap (outside, and its init inside), a socat per endpoint, the
    // stand-in and the `sleep` it started — every one counted
    const pid = started.pid as number;
    const members = (processGroups(new Set([pid])).get(pid) ?? []).map((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0]);
    expect(members.filter((c) => c === 'sleep' || c === process.execPath), members.join(' ')).to.have.length(2);
    expect(mine.pids).to.equal(members.length);
    expect(mine.memoryMb).to.be.above(10);
    await waitUntil(async () => ((await stack.runtime('tree'))?.memoryMb ?? 0) > 0);
    const metrics = await stack.json<{ memoryMb: number; samples: unknown[] }>('GET', '/api/agents/tree/metrics', 200);
    expect(metrics.memoryMb).to.be.above(10);
    expect(metrics.samples.length).to.be.at.least(1);
    const events = await stack.events('agent.metrics');
    expect(events.some((e) => (e.data as { agents: { agentId: string }[] }).agents.some((a) => a.agentId === 'tree'))).to.equal(true);
    await stack.json('POST', '/api/agents/tree/stop', 202);
  });

  it('stops an agent over max_memory_mb and says why', async () => {
    await stack.createAgent({ id: 'hog', resource_limits: { max_memory_mb: 150 } });
    await stack.startAgent('hog');
    await stack.turn('hog', 'grow 200');
    const stopped = await stack.waitStatus('hog', 'stopped', 10_000);
    expect(stopped.reason).to.match(/memory limit: [\d.]+ MB > max_memory_mb 150/);
    expect((await stack.events('agent.limit')).some((e) => e.agentId === 'hog')).to.equal(true);
  });

  it('throttles an agent over max_cpu_percent (SIGSTOP/SIGCONT duty cycle) and lets it finish', async () => {
    await stack.createAgent({ id: 'burner', resource_limits: { max_cpu_percent: 30 } });
    const r = await stack.startAgent('burner');
    await stack.turn('burner', 'burn 4000');
    await waitUntil(async () => (await stack.runtime('burner'))?.throttled === true, 8000);
    // while throttled the process is seen stopped (state T) part of the time
    let sawStopped = false;
    for (let i = 0; i < 100 && !sawStopped; i++) {
      const { readFileSync } = await import('node:fs');
      const stat = readFileSync(`/proc/${r.pid}/stat`, 'utf8');
      sawStopped = stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
      await new Promise((res) => setTimeout(res, 10));
    }
    expect(sawStopped).to.equal(true);
    expect((await stack.waitResult('burner', 1, 20_000)).text).to.equal('burnt');
    await waitUntil(async () => (await stack.runtime('burner'))?.throttled === false, 8000);
  });
});
