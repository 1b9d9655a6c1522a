import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { agentItemsNow, applyStatusEvent, readAgentAttention, seedFromStates } from '../../shared/attention/attention-index.js';
import { agentItem } from '../../shared/attention/attention-item.js';
import { makeKeys, type Keys } from '../../shared/keys.js';
import { closeRedis, createRedis, waitForRedis } from '../../shared/redis.js';
import { dropPrefix, redisUrl, uniquePrefix } from '../support/harness.js';

/**
 * The attention index (shared/attention/attention-index.ts) on a real Redis: every host
 * applies every `agent.status` event, in whatever order they reach it, and the index ends
 * as the newest event says; "since" is when the agent first needed a person; a parked
 * agent needs a person only past `attention.parked_after_ms`.
 */
describe('attention index: order-proof, keeps "since", parked only past the threshold', () => {
  let redis: Redis;
  let keys: Keys;
  let prefix: string;
  beforeEach(async () => {
    prefix = uniquePrefix();
    keys = makeKeys(prefix);
    redis = createRedis(redisUrl(), 'command');
    await waitForRedis(redis);
  });
  afterEach(async () => {
    await dropPrefix(prefix);
    await closeRedis(redis);
  });

  const event = (eventId: string, status: string, at: string, reason?: string) => ({ agentId: 'a1', eventId, status, at, ...(reason ? { reason } : {}) });

  it('a late host replaying older events changes nothing; the newest event decides', async () => {
    // host A sees: failed, then idle (reset)
    expect(await applyStatusEvent(redis, keys, event('100-0', 'failed', '2026-11-28T10:00:00.000Z', 'breaker'))).to.equal('entered');
    expect(await applyStatusEvent(redis, keys, event('100-1', 'idle', '2026-11-28T10:00:01.000Z'))).to.equal('unchanged');
    // host B, late, applies the same two: the failed one is older than what was applied
    expect(await applyStatusEvent(redis, keys, event('100-0', 'failed', '2026-11-28T10:00:00.000Z', 'breaker'))).to.equal('stale');
    expect(await applyStatusEvent(redis, keys, event('100-1', 'idle', '2026-11-28T10:00:01.000Z'))).to.equal('stale');
    expect((await readAgentAttention(redis, keys)).size).to.equal(0);
    // ids compare as numbers, not text: 99-5 is older than 100-1
    expect(await applyStatusEvent(redis, keys, event('99-5', 'stalled', '2026-11-28T09:59:59.000Z'))).to.equal('stale');
  });

  it('the same status again keeps when it began; another status starts again', async () => {
    await applyStatusEvent(redis, keys, event('200-0', 'over-budget', '2026-11-28T10:00:00.000Z', 'budget $1'));
    expect(await applyStatusEvent(redis, keys, event('200-1', 'over-budget', '2026-11-28T10:05:00.000Z', 'budget $2'))).to.equal('unchanged');
    let entry = (await readAgentAttention(redis, keys)).get('a1');
    expect(entry).to.include({ status: 'over-budget', since: '2026-11-28T10:00:00.000Z', reason: 'budget $2', eventId: '200-0' });
    expect(await applyStatusEvent(redis, keys, event('200-2', 'stalled', '2026-11-28T10:06:00.000Z'))).to.equal('entered');
    entry = (await readAgentAttention(redis, keys)).get('a1');
    expect(entry).to.include({ status: 'stalled', since: '2026-11-28T10:06:00.000Z', eventId: '200-2' });
  });

  it('lists an agent only while its state still says so', async () => {
    await applyStatusEvent(redis, keys, event('300-0', 'failed', '2026-11-28T10:00:00.000Z', 'gone'));
    await redis.hset(keys.agent('a1'), { status: 'failed', reason: 'claude not found on host vm' });
    const [item] = await agentItemsNow(redis, keys, Date.now(), 60_000);
    expect(item).to.include({ id: 'agent:a1:failed', reason: 'claude not found on host vm', since: '2026-11-28T10:00:00.000Z' });
    // the state moved on (an event this index missed): the entry shows nothing
    await redis.hset(keys.agent('a1'), { status: 'idle' });
    expect(await agentItemsNow(redis, keys, Date.now(), 60_000)).to.deep.equal([]);
  });

  it("learns from the agents' states what no event told it, without overriding what an event said", async () => {
    await redis.sadd(keys.agentIndex(), 'old', 'known', 'fine');
    await redis.hset(keys.agent('old'), { status: 'failed', reason: 'circuit breaker open', updatedAt: '2026-11-27T08:00:00.000Z' });
    await redis.hset(keys.agent('fine'), { status: 'idle', updatedAt: '2026-11-27T08:00:00.000Z' });
    // an event said `known` is idle; its state still reads stalled (the event is newer than what the seed knows)
    await applyStatusEvent(redis, keys, { agentId: 'known', eventId: '500-0', status: 'idle', at: '2026-11-28T10:00:00.000Z' });
    await redis.hset(keys.agent('known'), { status: 'stalled', updatedAt: '2026-11-27T08:00:00.000Z' });
    expect(await seedFromStates(redis, keys)).to.equal(1);
    const index = await readAgentAttention(redis, keys);
    expect([...index.keys()]).to.deep.equal(['old']);
    expect(index.get('old')).to.include({ status: 'failed', since: '2026-11-27T08:00:00.000Z', reason: 'circuit breaker open' });
    // a real event after it applies as usual
    expect(await applyStatusEvent(redis, keys, { agentId: 'old', eventId: '600-0', status: 'idle', at: '2026-11-28T10:00:00.000Z' })).to.equal('unchanged');
    expect((await readAgentAttention(redis, keys)).size).to.equal(0);
  });

  it('a parked agent needs a person once parked longer than the threshold', () => {
    const since = '2026-11-28T10:00:00.000Z';
    const t0 = Date.parse(since);
    const parked = { status: 'parked' as const, since, reason: 'usage limit: resumes at 15:00' };
    expect(agentItem('a1', parked, t0 + 59_999, 60_000)).to.equal(undefined);
    expect(agentItem('a1', parked, t0 + 60_000, 60_000)).to.include({ kind: 'agent-parked', title: 'a1 is parked', reason: 'usage limit: resumes at 15:00', link: '/agents/a1' });
    // other statuses need a person at once
    expect(agentItem('a1', { status: 'stalled', since }, t0, 60_000)).to.include({ kind: 'agent-stalled', severity: 'high' });
  });
});
