import { expect } from 'chai';
import { startCollabStack, type CollabStack } from './support/collab-stack.js';

describe('messages: an inbox waits for its agent, then goes in priority order, low ones batched', () => {
  let stack: CollabStack;
  before(async () => {
    stack = await startCollabStack();
  });
  after(async () => {
    await stack.cleanup();
  });

  it('an agent that is not running keeps its inbox; on start: critical, high, normal, then the lows in one turn', async () => {
    await stack.createAgent('inb', false);
    const send = async (priority: string, content: string): Promise<string> =>
      (await stack.json<{ id: string }>('POST', '/api/messages', 202, { body: { to: 'inb', content, priority } })).id;
    const low1 = await send('low', 'low one');
    const normal = await send('normal', 'normal one');
    const low2 = await send('low', 'low two');
    const critical = await send('critical', 'critical one');
    const high = await send('high', 'high one');
    const low3 = await send('low', 'low three');
    // routed into the inbox while nobody runs it
    const { waitUntil } = await import('../support/harness.js');
    await waitUntil(async () => (await stack.apiCtx.redis.zcard(stack.apiCtx.keys.agentInbox('inb'))) === 6, 5000);
    expect(await stack.turnsOf('inb')).to.deep.equal([]);

    await stack.json('POST', '/api/agents/inb/start', 202);
    const turns = await stack.waitTurns('inb', 4);
    expect(turns).to.have.length(4);
    expect(turns[0]).to.include(`[message ${critical}]`);
    expect(turns[1]).to.include(`[message ${high}]`);
    expect(turns[2]).to.include(`[message ${normal}]`);
    expect(turns[3]).to.match(/^3 messages arrived for you/);
    const order = [low1, low2, low3].map((id) => turns[3]!.indexOf(`[message ${id}]`));
    expect(order.every((i) => i > 0)).to.equal(true);
    expect(order).to.deep.equal([...order].sort((a, b) => a - b));
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
