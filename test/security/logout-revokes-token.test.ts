import { expect } from 'chai';
import { hashPassword } from '../../shared/auth/passwords.js';
import { startStack, tokenFor, waitUntil, type Stack } from '../support/harness.js';
import { openSocket, refusedHandshake, within } from './socket-probe.js';

/**
 * Logging out must kill the token that logged out, everywhere: a stolen copy of it is
 * refused (401 nox:token-revoked, not accepted until its expiry), its open Socket.IO
 * connection is closed, and a new handshake with it is refused.
 */
describe('security: a token that logged out', function () {
  this.timeout(30_000);
  let stack: Stack;
  before(async () => {
    stack = await startStack({ withHost: false, overrides: { 'auth.users': [{ name: 'alice', role: 'operator', password_hash: await hashPassword('correct horse') }] } });
  });
  after(() => stack.cleanup());

  const login = async (): Promise<{ token: string; cookie: string }> => {
    const res = await stack.call('POST', '/api/auth/login', { body: { username: 'alice', password: 'correct horse' } });
    expect(res.status).to.equal(200);
    return { token: ((await res.json()) as { token: string }).token, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] as string };
  };

  it('is refused with 401 nox:token-revoked, and its open socket is closed', async () => {
    const { token } = await login();
    const probe = await openSocket(stack.api.url, { token });
    const watcher = await openSocket(stack.api.url, { token: tokenFor('viewer'), rooms: ['all'] });
    const seen: string[] = [];
    watcher.socket.on('event', (e: { type: string }) => seen.push(e.type));
    expect((await stack.call('GET', '/api/auth/me', { token })).status).to.equal(200);

    expect((await stack.call('POST', '/api/auth/logout', { token })).status).to.equal(204);

    const again = await stack.call('GET', '/api/auth/me', { token });
    expect(again.status).to.equal(401);
    expect(((await again.json()) as { code: string }).code).to.equal('nox:token-revoked');
    const ended = await within(probe.ended, 5000, 'the socket closing');
    expect(ended).to.include({ code: 'nox:token-revoked', reason: 'io server disconnect' });
    expect((await refusedHandshake(stack.api.url, { token })).data?.code).to.equal('nox:token-revoked');
    await stack.apiCtx.events.publish({ type: 'test.after-logout', data: {} });
    await waitUntil(() => seen.includes('test.after-logout'));
    expect(seen.filter((t) => t.startsWith('auth.')), 'revocations are internal: no client sees them').to.deep.equal([]);
    watcher.socket.close();
  });

  it('through the cookie: the cookie is cleared and the token in it refused; another session of the same user lives on', async () => {
    const other = await login();
    const { cookie } = await login();
    const res = await stack.call('POST', '/api/auth/logout', { headers: { cookie, 'x-nox-request': '1' } });
    expect(res.status).to.equal(204);
    expect(res.headers.get('set-cookie')).to.match(/nox_token=;/).and.to.match(/Expires=Thu, 01 Jan 1970/);
    expect((await stack.call('GET', '/api/auth/me', { headers: { cookie } })).status).to.equal(401);
    expect((await stack.call('GET', '/api/auth/me', { token: other.token })).status).to.equal(200);
  });
});
