import { expect } from 'chai';
import { hashPassword } from '../../shared/auth/passwords.js';
import { startStack, tokenFor, type Stack } from '../support/harness.js';

/**
 * Behind a TLS-terminating proxy (trusted: `api.trust_proxy = 1`) the login cookie must be
 * `Secure`, or the browser would also send it over plain HTTP; and the same-origin check
 * must compare against the origin the browser saw (https and the proxy's host), not the
 * proxy's hop to Nox.
 */
describe('security: the login cookie behind a TLS proxy', function () {
  this.timeout(30_000);
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      withHost: false,
      overrides: { 'api.trust_proxy': 1, 'auth.users': [{ name: 'alice', role: 'viewer', password_hash: await hashPassword('correct horse') }] },
    });
  });
  after(() => stack.cleanup());

  const login = (headers: Record<string, string>) => stack.call('POST', '/api/auth/login', { body: { username: 'alice', password: 'correct horse' }, headers });

  it('is Secure when the request came over TLS, not when it came over plain HTTP', async () => {
    expect((await login({ 'x-forwarded-proto': 'https' })).headers.get('set-cookie')).to.match(/;\s*Secure/i);
    expect((await login({})).headers.get('set-cookie')).to.not.match(/;\s*Secure/i);
  });

  it('is checked against the origin the browser saw through the proxy', async () => {
    const cookie = `nox_token=${tokenFor('viewer', 'behind-proxy')}`;
    const through = { cookie, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'nox.example.com' };
    expect((await stack.call('POST', '/api/auth/logout', { headers: { ...through, origin: 'https://nox.example.com' } })).status).to.equal(204);
    const other = `nox_token=${tokenFor('viewer', 'behind-proxy-2')}`;
    const refused = await stack.call('POST', '/api/auth/logout', { headers: { ...through, cookie: other, origin: 'http://nox.example.com' } });
    expect(refused.status, 'http is another origin than https').to.equal(403);
  });
});
