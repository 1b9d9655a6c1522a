import { expect } from 'chai';
import { startStack, tokenFor, type Stack } from '../support/harness.js';
import { openSocket, within } from './socket-probe.js';

/**
 * The handshake checks the token once; a socket must not outlive it. A token that expires
 * while its socket is open ends that socket at its expiry (and the client is told why).
 */
describe('security: a socket whose token expires', function () {
  this.timeout(20_000);
  let stack: Stack;
  before(async () => {
    stack = await startStack({ withHost: false });
  });
  after(() => stack.cleanup());

  it('is closed at the expiry, with nox:token-expired', async () => {
    const probe = await openSocket(stack.api.url, { token: tokenFor('viewer', 'short-lived', undefined, 2) });
    const openedAt = Date.now();
    const ended = await within(probe.ended, 6000, 'the socket closing');
    expect(ended).to.include({ code: 'nox:token-expired', reason: 'io server disconnect' });
    expect(Date.now() - openedAt).to.be.lessThan(4000);
  });

  it('a token that lives on keeps its socket', async () => {
    const probe = await openSocket(stack.api.url, { token: tokenFor('viewer', 'long-lived', undefined, '1h') });
    await new Promise((r) => setTimeout(r, 2500));
    expect(probe.socket.connected).to.equal(true);
    probe.socket.close();
  });
});
