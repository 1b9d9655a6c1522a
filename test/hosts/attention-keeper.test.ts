import { expect } from 'chai';
import { AGENT_EVENT } from '../../shared/agents/agent-events.js';
import { readAgentAttention } from '../../shared/attention/attention-index.js';
import { useCluster, type ClusterHost } from '../support/cluster.js';
import { waitUntil } from '../support/harness.js';
import { hostOf } from './scenarios.js';

/**
 * The "needs you" index (workers/attention/attention-watch.ts) is kept by one host, the
 * holder of a lease; the others wait. Worker hosts as real processes: the keeper is
 * SIGKILLed and the other takes over, replaying the events nobody applied meanwhile.
 */
describe('hosts: one host keeps the "needs you" index, another takes over when it dies', function () {
  this.timeout(120_000);
  const cluster = useCluster({ 'attention.lease_ms': 1000 });

  it('applies each status event on one host only; after a SIGKILL the other keeps it, events missed meanwhile included', async () => {
    const cl = cluster();
    const a = await cl.startHost('keep-a');
    const b = await cl.startHost('keep-b');
    const { redis, keys } = cl.apiCtx;
    const holder = async (): Promise<ClusterHost | undefined> => {
      const token = await redis.get(keys.attentionLease());
      return [a, b].find((h) => token?.startsWith(`${h.child.pid}-`));
    };
    const status = (agentId: string, s: string, reason?: string) => cl.apiCtx.events.publish({ type: AGENT_EVENT.status, agentId, data: { status: s, ...(reason ? { reason } : {}) } });
    const index = async () => Object.fromEntries([...(await readAgentAttention(redis, keys))].map(([id, e]) => [id, e.status]));
    const lastRunAt = async (h: ClusterHost) => (await hostOf(cl, h.id))?.loops?.['attention-watch']?.lastRunAt ?? null;

    // the first host took the lease at start; the second waits
    const keeper = await holder();
    expect(keeper?.id).to.equal(a.id);
    await status('x1', 'failed', 'circuit breaker open');
    await status('x2', 'stalled');
    await status('x2', 'idle');
    await waitUntil(async () => JSON.stringify(await index()) === JSON.stringify({ x1: 'failed' }), 20_000);
    // the keeper's heartbeat says it handled events; the waiting host's never does
    await waitUntil(async () => (await lastRunAt(a)) !== null, 20_000);
    const seenAt = (await hostOf(cl, a.id))!.lastHeartbeat;
    await waitUntil(async () => (await hostOf(cl, b.id))!.lastHeartbeat > seenAt, 20_000);
    expect(await lastRunAt(b)).to.equal(null);

    // the keeper dies; what happens before another takes over is not lost
    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));
    await status('x3', 'over-budget', 'budget $1');
    await status('x1', 'idle');
    await waitUntil(async () => (await holder())?.id === b.id, 30_000);
    await waitUntil(async () => JSON.stringify(await index()) === JSON.stringify({ x3: 'over-budget' }), 20_000);
    await status('x4', 'failed');
    await waitUntil(async () => (await index()).x4 === 'failed', 20_000);
    await waitUntil(async () => (await lastRunAt(b)) !== null, 20_000);
  });
});
