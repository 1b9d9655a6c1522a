import { expect } from 'chai';
import type { Message } from '../../shared/messages/message-model.js';
import { waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from './support/collab-stack.js';

describe('messages: the same id is delivered once; the log pages by time, newest first', () => {
  let stack: CollabStack;
  before(async () => {
    stack = await startCollabStack();
    await stack.createAgent('lg-a');
  });
  after(async () => {
    await stack.cleanup();
  });

  it('a message sent twice with the same id is one turn', async () => {
    const body = { id: 'm-same-id-1', to: 'lg-a', content: 'only once please' };
    await stack.json('POST', '/api/messages', 202, { body });
    await stack.json('POST', '/api/messages', 202, { body });
    await stack.waitTurns('lg-a', 1);
    await new Promise((r) => setTimeout(r, 500));
    expect((await stack.turnsOf('lg-a')).filter((t) => t.includes('[message m-same-id-1]'))).to.have.length(1);
  });

  it('GET /api/messages: newest first, cursor paging with next, since/until filters', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await stack.json<{ id: string }>('POST', '/api/messages', 202, { body: { to: 'lg-a', content: `page ${i}` } })).id);
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitUntil(async () => (await stack.json<{ total: number }>('GET', '/api/messages?agent=lg-a', 200)).total >= 6, 5000);
    const p1 = await stack.json<{ messages: Message[]; next: string | null; total: number }>('GET', '/api/messages?agent=lg-a&limit=2', 200);
    expect(p1.total).to.equal(6);
    expect(p1.messages.map((m) => m.id)).to.deep.equal([ids[4], ids[3]]);
    expect(p1.next).to.be.a('string');
    const p2 = await stack.json<{ messages: Message[]; next: string | null }>('GET', `/api/messages?agent=lg-a&limit=2&cursor=${p1.next}`, 200);
    expect(p2.messages.map((m) => m.id)).to.deep.equal([ids[2], ids[1]]);
    const p3 = await stack.json<{ messages: Message[]; next: string | null }>('GET', `/api/messages?agent=lg-a&limit=2&cursor=${p2.next}`, 200);
    expect(p3.messages.map((m) => m.id)).to.deep.equal([ids[0], 'm-same-id-1']);
    expect(p3.next).to.equal(null);
    const since = Date.parse(p1.messages[1]!.timestamp);
    const recent = await stack.json<{ messages: Message[] }>('GET', `/api/messages?agent=lg-a&since=${new Date(since).toISOString()}`, 200);
    expect(recent.messages.map((m) => m.id)).to.deep.equal([ids[4], ids[3]]);
    const bad = await stack.call('GET', '/api/messages?since=yesterday');
    expect(bad.status).to.equal(400);
  });
});
