import { expect } from 'chai';
import { hashPassword } from '../../shared/auth/passwords.js';
import { TokenExpiredError } from '../../shared/errors/auth-errors.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { createVerifiedTokens } from '../../api/http/verified-tokens.js';
import { startApiServer, type ApiServer } from '../../api/server.js';
import { startStack, testContext, tokenFor, TEST_SECRET, type Stack } from '../support/harness.js';

/**
 * Verified tokens are remembered per API node (api/http/verified-tokens.ts), yet nothing a
 * token proves may outlive its revocation or its expiry, and the rate limit stays one count
 * shared by every node: two API nodes on one Redis, a token each has already admitted.
 */
describe('API token checks with verified tokens remembered, across two API nodes', function () {
  this.timeout(30_000);
  let stack: Stack;
  let secondCtx: NoxContext;
  let second: ApiServer;
  before(async () => {
    stack = await startStack({ withHost: false, overrides: { 'rate_limit.max': 6, 'auth.users': [{ name: 'alice', role: 'operator', password_hash: await hashPassword('correct horse') }] } });
    secondCtx = testContext(stack.config, 'api');
    second = await startApiServer(secondCtx);
  });
  after(async () => {
    await second.close();
    await secondCtx.close();
    await stack.cleanup();
  });

  const onSecond = (path: string, token: string): Promise<Response> => fetch(`${second.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

  it('a token both nodes remember is refused on the other node at once after logging out on one', async () => {
    const login = await stack.call('POST', '/api/auth/login', { body: { username: 'alice', password: 'correct horse' } });
    const { token } = (await login.json()) as { token: string };
    expect((await stack.call('GET', '/api/auth/me', { token })).status).to.equal(200);
    expect((await onSecond('/api/auth/me', token)).status).to.equal(200);

    expect((await stack.call('POST', '/api/auth/logout', { token })).status).to.equal(204);

    const refused = await onSecond('/api/auth/me', token);
    expect(refused.status).to.equal(401);
    expect(((await refused.json()) as { code: string }).code).to.equal('nox:token-revoked');
    expect((await stack.call('GET', '/api/auth/me', { token })).status).to.equal(401);
  });

  it('counts one rate limit for a principal whichever node it calls', async () => {
    const token = tokenFor('viewer', 'shared-limit');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await stack.call('GET', '/api/auth/me', { token })).status);
      statuses.push((await onSecond('/api/auth/me', token)).status);
    }
    expect(statuses).to.deep.equal([200, 200, 200, 200, 200, 200, 429, 429]);
  });

  it('a remembered token is verified again once it expires: 401 nox:token-expired, not served from memory', () => {
    let now = Date.now();
    const tokens = createVerifiedTokens(TEST_SECRET, () => now);
    const token = tokenFor('viewer', 'short', undefined, 60);
    const first = tokens.verify(token);
    expect(tokens.verify(token)).to.equal(first);
    now = first.exp * 1000;
    expect(() => tokens.verify(token)).to.throw(TokenExpiredError);
    expect(tokens.size).to.equal(0);
  });

  it('never remembers a token that fails: a forged one is refused every time', () => {
    const tokens = createVerifiedTokens(TEST_SECRET);
    const good = tokenFor('viewer');
    const forged = `${good.slice(0, -4)}AAAA`;
    expect(() => tokens.verify(forged)).to.throw();
    expect(() => tokens.verify(forged)).to.throw();
    expect(tokens.size).to.equal(0);
  });
});
