import { expect } from 'chai';
import { io, type Socket } from 'socket.io-client';
import type { DomainEvent } from '../../shared/types.js';
import { startStack, tokenFor, waitUntil, type Stack } from '../support/harness.js';

describe('Socket.IO event fan-out and catch-up', () => {
  let stack: Stack;
  const sockets: Socket[] = [];
  before(async () => {
    stack = await startStack({ withHost: false });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await stack.cleanup();
  });

  const connect = async (auth: Record<string, unknown>): Promise<{ socket: Socket; seen: DomainEvent[] }> => {
    const socket = io(stack.api.url, { auth, transports: ['websocket'], reconnection: false });
    sockets.push(socket);
    const seen: DomainEvent[] = [];
    socket.on('event', (e: DomainEvent) => seen.push(e));
    await new Promise<void>((resolve, reject) => {
      socket.once('ready', () => resolve());
      socket.once('connect_error', reject);
    });
    return { socket, seen };
  };
  const publish = (agentId: string, n: number) => stack.apiCtx.events.publish({ type: 'test.tick', agentId, data: { n } });
  const numbers = (events: DomainEvent[]) => events.map((e) => (e.data as { n: number }).n);

  it('emits to a room only its events, and replays exactly what a reconnecting client missed', async () => {
    const first = await connect({ token: tokenFor('viewer'), rooms: ['agent:a1'] });
    await publish('a1', 1);
    await publish('a2', 2);
    await publish('a1', 3);
    await waitUntil(() => first.seen.length >= 2);
    expect(numbers(first.seen)).to.deep.equal([1, 3]);
    const lastEventId = first.seen.at(-1)!.id;
    first.socket.close();

    await publish('a1', 4);
    await publish('a2', 5);
    await publish('a1', 6);
    await waitUntil(() => stack.api.tailer.lastId !== lastEventId);

    const second = await connect({ token: tokenFor('viewer'), rooms: ['agent:a1'], lastEventId });
    await publish('a1', 7);
    await waitUntil(() => second.seen.length >= 3);
    await new Promise((r) => setTimeout(r, 100)); // room for a duplicate to show up, if there were one
    expect(numbers(second.seen)).to.deep.equal([4, 6, 7]);
  });

  it('refuses a handshake without a token, and says when the token has expired', async () => {
    const noToken = io(stack.api.url, { transports: ['websocket'], reconnection: false });
    sockets.push(noToken);
    const err1 = await new Promise<Error & { data?: { code: string } }>((resolve) => noToken.once('connect_error', resolve));
    expect(err1.data?.code).to.equal('nox:unauthenticated');

    const expired = io(stack.api.url, { auth: { token: tokenFor('viewer', 'v', undefined, -5) }, transports: ['websocket'], reconnection: false });
    sockets.push(expired);
    const err2 = await new Promise<Error & { data?: { code: string } }>((resolve) => expired.once('connect_error', resolve));
    expect(err2.data?.code).to.equal('nox:token-expired');
  });

  it('keeps an agent principal to its own room', async () => {
    const agent = await connect({ token: tokenFor('agent', 'a9', 'a9'), rooms: ['all', 'agent:a1', 'agent:a9'] });
    const answer = await agent.socket.emitWithAck('subscribe', ['agent:a2', 'agent:a9']);
    expect(answer).to.deep.equal({ joined: ['agent:a9'], refused: ['agent:a2'] });
    await publish('a1', 10);
    await publish('a9', 11);
    await waitUntil(() => agent.seen.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(numbers(agent.seen)).to.deep.equal([11]);
  });
});
