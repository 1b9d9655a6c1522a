import { expect } from 'chai';
import { createLogger } from '../../shared/logger.js';
import { createMessageLog } from '../../shared/messages/message-log.js';
import { newMessage } from '../../shared/messages/message-model.js';
import { createContext, type NoxContext } from '../../shared/runtime/context.js';
import { createInbox, type Inbox } from '../../workers/messages/inbox.js';
import { dropPrefix, testConfig } from '../support/harness.js';

/**
 * The inbox's one-call steps (workers/messages/inbox.ts), on real Redis: an add sent together
 * with the message's record is refused when the record is not there (so an inbox never holds
 * an id the deliverer cannot read); adds sent in one go land in the order sent; a turn's
 * confirm and claim are one call, which claims nothing while another process's claims are
 * unresolved; several claims go back in one call with their places.
 */
describe('messages: the inbox steps in one call each', () => {
  let ctx: NoxContext;
  let inbox: Inbox;
  const KEEP = 100_000;

  beforeEach(() => {
    ctx = createContext({ config: testConfig(), role: 'worker', logger: createLogger({ level: 'silent' }) });
    inbox = createInbox(ctx.redis, ctx.keys);
  });
  afterEach(async () => {
    await dropPrefix(ctx.config.redis.prefix);
    await ctx.close();
  });

  const stored = async (n: number, to = 'ib'): Promise<string[]> => {
    const log = createMessageLog(ctx.redis, ctx.keys);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const m = newMessage({ to, message_type: 'text', content: `c${i}`, priority: 'normal', metadata: {} }, 'user:t');
      await log.record(m, [to], 60_000, 1000);
      ids.push(m.id);
    }
    return ids;
  };

  it('refuses to queue a message that is not stored, and queues it once it is', async () => {
    let refusal: Error | undefined;
    await inbox.add('ib', 'm-not-stored', 'normal').catch((err: Error) => (refusal = err));
    expect(refusal?.message).to.match(/NOMESSAGE/);
    expect(await inbox.size('ib')).to.equal(0);
    const [id] = await stored(1);
    expect(await inbox.add('ib', id!, 'normal')).to.equal(true);
    expect(await inbox.add('ib', id!, 'normal')).to.equal(false);
    expect(await inbox.waiting('ib')).to.deep.equal([id]);
  });

  it('adds sent in one go, with no wait between them, land in the order sent', async () => {
    const ids = await stored(200);
    const added = await Promise.all(ids.map((id) => inbox.add('ib', id, 'normal')));
    expect(added.every(Boolean)).to.equal(true);
    expect(await inbox.waiting('ib')).to.deep.equal(ids);
  });

  it('several messages of one inbox in one call: in the order given, each once; refused as a whole when one is not stored', async () => {
    const ids = await stored(50);
    // a high one among them goes first in the inbox (priority, then arrival)
    const batch = ids.map((id, i) => ({ id, priority: (i === 30 ? 'high' : 'normal') as 'high' | 'normal' }));
    let refusal: Error | undefined;
    await inbox.addMany('ib', [...batch.slice(0, 10), { id: 'm-not-stored', priority: 'normal' }]).catch((err: Error) => (refusal = err));
    expect(refusal?.message).to.match(/NOMESSAGE/);
    expect(await inbox.size('ib')).to.equal(0);
    expect(await inbox.addMany('ib', batch.slice(0, 20))).to.deep.equal(Array(20).fill(true));
    // a retried job: the first 20 again, with the rest
    const again = await inbox.addMany('ib', batch);
    expect(again).to.deep.equal([...Array(20).fill(false), ...Array(30).fill(true)]);
    expect(await inbox.waiting('ib')).to.deep.equal([ids[30], ...ids.filter((_, i) => i !== 30)]);
  });

  it('confirm and claim in one call: own claims confirmed, the next turn claimed; nothing claimed while another process’s claims wait', async () => {
    const ids = await stored(5);
    for (const id of ids) await inbox.add('ib', id, 'normal');
    // process 100 takes the first two, with their records
    const first = await inbox.confirmAndClaim('ib', 100, 2, KEEP);
    expect(first.ids).to.deep.equal(ids.slice(0, 2));
    expect(first.records.map((r) => (JSON.parse(r!) as { id: string }).id)).to.deep.equal(ids.slice(0, 2));
    // the same process, between turns again: those two are confirmed, the next two claimed (one's record has expired)
    await ctx.redis.del(ctx.keys.message(ids[3]!));
    const second = await inbox.confirmAndClaim('ib', 100, 2, KEEP);
    expect(second.ids).to.deep.equal(ids.slice(2, 4));
    expect(second.records.map((r) => r && (JSON.parse(r) as { id: string }).id)).to.deep.equal([ids[2], null]);
    expect(await ctx.redis.hkeys(ctx.keys.agentInflight('ib'))).to.have.members(ids.slice(2, 4));
    // process 100 is gone; process 200 finds its claims and claims nothing until they are resolved
    const next = await inbox.confirmAndClaim('ib', 200, 2, KEEP);
    expect(next.ids).to.deep.equal([]);
    expect(next.records).to.deep.equal([]);
    expect(next.others).to.have.deep.members(ids.slice(2, 4).map((id) => ({ id, pid: '100' })));
    expect(await inbox.size('ib')).to.equal(1);
    // both go back at once, ahead of the one still waiting (their original places)
    expect(await inbox.requeueMany('ib', ids.slice(2, 4))).to.equal(2);
    expect(await inbox.requeueMany('ib', ids.slice(2, 4))).to.equal(0);
    expect(await inbox.waiting('ib')).to.deep.equal(ids.slice(2));
    expect((await inbox.confirmAndClaim('ib', 200, 10, KEEP)).ids).to.deep.equal(ids.slice(2));
    // delivered marks kept: a retried routing job re-adds none of them
    for (const id of ids.filter((_, i) => i !== 3)) expect(await inbox.add('ib', id, 'normal')).to.equal(false);
  });
});
