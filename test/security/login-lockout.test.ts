import { expect } from 'chai';
import { startApiServer, type ApiServer } from '../../api/server.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { startStack, testContext, type Stack } from '../support/harness.js';

/**
 * Guessing one account's password from many addresses: besides the per-IP limit, failures
 * are counted per user name in Redis, across API nodes. Past the threshold the account is
 * locked — the right password too gets 429 nox:account-locked with Retry-After — and each
 * further failure doubles the lock; after the lock the right password works, and a success
 * starts the count again. Short values here: 3 failures, 1 s, at most 4 s.
 */
describe('security: repeated bad logins', function () {
  this.timeout(30_000);
  let stack: Stack;
  let otherCtx: NoxContext;
  let other: ApiServer;
  before(async () => {
    stack = await startStack({
      withHost: false,
      overrides: {
        'auth.users': [{ name: 'alice', role: 'operator', password_hash: await hashPassword('correct horse') }],
        'auth.login_lockout_after': 3,
        'auth.login_lockout_ms': 1000,
        'auth.login_lockout_max_ms': 4000,
        'rate_limit.login_max': 1000,
      },
    });
    otherCtx = testContext(stack.config, 'api');
    other = await startApiServer(otherCtx); // a second API node on the same Redis
  });
  after(async () => {
    await other.close();
    await otherCtx.close();
    await stack.cleanup();
  });

  const login = async (password: string, via = stack.api.url, username = 'alice'): Promise<{ status: number; code?: string; retryAfter: string | null }> => {
    const res = await fetch(`${via}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    const body = (await res.json()) as { code?: string };
    return { status: res.status, code: body.code, retryAfter: res.headers.get('retry-after') };
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('lock the account on every node, refuse the right password while locked, then let it in', async () => {
    expect((await login('guess 1')).status).to.equal(401);
    expect((await login('guess 2', other.url)).status).to.equal(401);
    expect((await login('guess 3')).status).to.equal(401);

    for (const node of [stack.api.url, other.url]) {
      const locked = await login('correct horse', node);
      expect(locked).to.deep.equal({ status: 429, code: 'nox:account-locked', retryAfter: '1' });
    }
    await sleep(1100);
    expect((await login('guess 4')).status, 'the lock is over: the password is checked again').to.equal(401);
    const doubled = await login('correct horse');
    expect(doubled).to.include({ status: 429, code: 'nox:account-locked', retryAfter: '2' });
    await sleep(2100);
    expect((await login('correct horse')).status).to.equal(200);
    // a success starts the count again
    expect((await login('guess 5')).status).to.equal(401);
    expect((await login('correct horse')).status).to.equal(200);
  });

  it('locks a name that does not exist the same way (a lock tells nothing about accounts)', async () => {
    for (let i = 0; i < 3; i++) expect((await login('x', stack.api.url, 'nobody')).status).to.equal(401);
    expect(await login('x', stack.api.url, 'nobody')).to.include({ status: 429, code: 'nox:account-locked' });
    expect((await login('correct horse')).status, 'another account is not locked').to.equal(200);
  });
});
