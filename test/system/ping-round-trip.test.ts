import { expect } from 'chai';
import { io, type Socket } from 'socket.io-client';
import type { DomainEvent } from '../../shared/types.js';
import { startStack, tokenFor, type Stack } from '../support/harness.js';

describe('ping round trip', () => {
  let stack: Stack;
  let socket: Socket | undefined;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    socket?.close();
    await stack.cleanup();
  });

  it('goes API → host queue → worker host → event stream → API and a socket.io client sees the pong', async () => {
    socket = io(stack.api.url, { auth: { token: tokenFor('viewer') }, transports: ['websocket'] });
    const seen: DomainEvent[] = [];
    socket.on('event', (e: DomainEvent) => seen.push(e));
    await new Promise<void>((resolve, reject) => {
      socket!.once('ready', () => resolve());
      socket!.once('connect_error', reject);
    });

    const res = await stack.call('POST', '/api/system/ping', { role: 'operator' });
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { hostId: string; correlationId: string; timings: { totalMs: number; handlerMs: number } };
    expect(body.hostId).to.equal(stack.host!.id);
    expect(body.timings.totalMs).to.be.a('number').and.at.least(0);
    expect(body.timings.totalMs).to.be.at.least(body.timings.handlerMs);
    expect(res.headers.get('x-correlation-id')).to.equal(body.correlationId);

    const deadline = Date.now() + 3000;
    while (!seen.some((e) => e.type === 'system.pong' && e.correlationId === body.correlationId) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const pong = seen.find((e) => e.type === 'system.pong' && e.correlationId === body.correlationId);
    expect(pong, 'pong event on the socket').to.exist;
    expect(pong!.id).to.match(/^\d+-\d+$/);
    expect(pong!.hostId).to.equal(stack.host!.id);
  });

  it('answers 503 problem+json when no host is alive', async () => {
    const lonely = await startStack({ withHost: false });
    try {
      const res = await lonely.call('POST', '/api/system/ping', { role: 'admin' });
      expect(res.status).to.equal(503);
      expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
      const problem = (await res.json()) as { code: string };
      expect(problem.code).to.equal('nox:no-live-host');
    } finally {
      await lonely.cleanup();
    }
  });
});
