import { expect } from 'chai';
import { startStack, tokenFor, type Stack } from '../support/harness.js';
import { openSocket, refusedHandshake } from './socket-probe.js';

/**
 * Every room a socket is in costs the gateway memory and a lookup per event: one client
 * must not be able to join thousands. Past `api.socket_max_rooms` the handshake is refused
 * and a subscribe joins nothing — an error to that client, the server unharmed.
 */
describe('security: joining more rooms than allowed', function () {
  this.timeout(20_000);
  let stack: Stack;
  before(async () => {
    stack = await startStack({ withHost: false, overrides: { 'api.socket_max_rooms': 3 } });
  });
  after(() => stack.cleanup());

  const rooms = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `agent:r${from + i}`);

  it('is refused at the handshake with nox:too-many-rooms and the limit', async () => {
    const err = await refusedHandshake(stack.api.url, { token: tokenFor('viewer'), rooms: rooms(4) });
    expect(err.data).to.deep.include({ code: 'nox:too-many-rooms', limit: 3 });
  });

  it('is refused by subscribe (nothing joined, the socket stays), within the limit it works', async () => {
    const { socket } = await openSocket(stack.api.url, { token: tokenFor('viewer'), rooms: rooms(2) });
    try {
      const over = (await socket.emitWithAck('subscribe', rooms(2, 10))) as { joined: string[]; error?: { code: string; limit: number } };
      expect(over.joined).to.deep.equal([]);
      expect(over.error).to.deep.include({ code: 'nox:too-many-rooms', limit: 3 });
      expect(await socket.emitWithAck('subscribe', rooms(1, 10))).to.deep.equal({ joined: ['agent:r10'], refused: [] });
      expect(await socket.emitWithAck('subscribe', rooms(1, 0)), 'a room it is in already counts once').to.deep.equal({ joined: ['agent:r0'], refused: [] });
      // without an ack the refusal comes as an event
      const refused = new Promise<{ error: { code: string } }>((resolve) => socket.once('subscribe-refused', resolve));
      socket.emit('subscribe', rooms(5000, 100));
      expect((await refused).error.code).to.equal('nox:too-many-rooms');
      // leaving makes room again
      await socket.emitWithAck('unsubscribe', ['agent:r10']);
      expect(await socket.emitWithAck('subscribe', ['agent:r11'])).to.deep.equal({ joined: ['agent:r11'], refused: [] });
      expect(socket.connected).to.equal(true);
    } finally {
      socket.close();
    }
  });
});
