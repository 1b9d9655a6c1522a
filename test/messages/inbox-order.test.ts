import { expect } from 'chai';
import { waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from './support/collab-stack.js';

describe('messages: an inbox waits for its agent, then goes in priority order, batched into turns', () => {
  let stack: CollabStack;
  before(async () => {
    stack = await startCollabStack();
  });
  after(async () => {
    await stack.cleanup();
  });
  const send = async (to: string, priority: string, content: string): Promise<string> => (await stack.json<{ id: string }>('POST', '/api/messages', 202, { body: { to, content, priority } })).id;

  it('an agent that is not running keeps its inbox; on start: the critical one alone, then the rest in one turn, most urgent first', async () => {
    await stack.createAgent('inb', false);
    const low1 = await send('inb', 'low', 'low one');
    const normal = await send('inb', 'normal', 'normal one');
    const low2 = await send('inb', 'low', 'low two');
    const critical = await send('inb', 'critical', 'critical one');
    const high = await send('inb', 'high', 'high one');
    const low3 = await send('inb', 'low', 'low three');
    // routed into the inbox while nobody runs it
    await waitUntil(async () => (await stack.apiCtx.redis.zcard(stack.apiCtx.keys.agentInbox('inb'))) === 6, 5000);
    expect(await stack.turnsOf('inb')).to.deep.equal([]);

    await stack.json('POST', '/api/agents/inb/start', 202);
    const turns = await stack.waitTurns('inb', 2);
    expect(turns).to.have.length(2);
    expect(turns[0]).to.match(new RegExp(`^\\[message ${critical}\\] text message from user:`));
    expect(turns[1]).to.match(/^5 messages arrived for you \(most urgent first\):/);
    const order = [high, normal, low1, low2, low3].map((id) => turns[1]!.indexOf(`[message ${id}]`));
    expect(order.every((i) => i > 0)).to.equal(true);
    expect(order).to.deep.equal([...order].sort((a, b) => a - b));
  });

  it('a batch stops at batch_max_chars of content: the rest waits for the next turn', async () => {
    const small = await startCollabStack({ overrides: { 'messages.batch_max_chars': 1000 } });
    try {
      await small.createAgent('big', false);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await small.json<{ id: string }>('POST', '/api/messages', 202, { body: { to: 'big', content: `${i}`.repeat(600) } })).id);
      await waitUntil(async () => (await small.apiCtx.redis.zcard(small.apiCtx.keys.agentInbox('big'))) === 3, 5000);
      await small.json('POST', '/api/agents/big/start', 202);
      const turns = await small.waitTurns('big', 3);
      expect(turns.map((t) => ids.findIndex((id) => t.includes(`[message ${id}]`)))).to.deep.equal([0, 1, 2]);
      expect(turns.every((t) => !t.includes('messages arrived'))).to.equal(true);
    } finally {
      await small.cleanup();
    }
  });

  it('a turn in progress makes the message wait for its end', async () => {
    await stack.createAgent('busy');
    await stack.json('POST', '/api/agents/busy/turn', 202, { body: { text: 'slow 400' } });
    await stack.waitStatus('busy', 'working');
    const id = (await stack.json<{ id: string }>('POST', '/api/messages', 202, { body: { to: 'busy', content: 'after you' } })).id;
    const turns = await stack.waitTurns('busy', 2);
    expect(turns[0]).to.equal('slow 400');
    expect(turns[1]).to.include(`[message ${id}]`);
  });
});
