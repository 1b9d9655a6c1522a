import { expect } from 'chai';
import { hashPassword } from '../../shared/auth/passwords.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { leaseSize } from '../../api/http/rate-lease.js';
import { createRequestGuard, type RequestGuard } from '../../api/http/request-guard.js';
import { RECHECK_MS } from '../../api/http/revocation-memory.js';
import { createVerifiedTokens } from '../../api/http/verified-tokens.js';
import { revokeToken } from '../../shared/auth/revocation.js';
import { TokenExpiredError, TokenRevokedError } from '../../shared/errors/auth-errors.js';
import { RateLimitedError } from '../../shared/errors/service-errors.js';
import { startApiServer, type ApiServer } from '../../api/server.js';
import { startStack, testContext, tokenFor, TEST_SECRET, waitUntil, type Stack } from '../support/harness.js';
import type { NoxConfig } from '../../shared/config/schema.js';

/**
 * Verified tokens and their revocation verdicts are remembered per API node
 * (api/http/verified-tokens.ts, revocation-memory.ts), yet a revoked token is refused on
 * every node within RECHECK_MS of its revocation, an expired one at once, and the rate limit
 * stays one count shared by every node (rate-lease.ts): two API nodes on one Redis, a token
 * each has already admitted.
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

  const readyContext = async (config: NoxConfig): Promise<NoxContext> => {
    const ctx = testContext(config, 'api');
    await waitUntil(() => ctx.redis.status === 'ready');
    return ctx;
  };

  const onSecond = (path: string, token: string): Promise<Response> => fetch(`${second.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

  /**
   * Polls `ask` (true: admitted) until it is refused, then once more; every request sent
   * RECHECK_MS or more after `since` must have been refused (the documented bound).
   */
  const refusedWithinBound = async (since: number, ask: () => Promise<boolean>): Promise<void> => {
    const sent: { at: number; admitted: boolean }[] = [];
    for (;;) {
      const at = Date.now();
      const admitted = await ask();
      sent.push({ at, admitted });
      if (at >= since + RECHECK_MS && !admitted) break;
      if (sent.length > 10_000) throw new Error('still admitted after 10,000 requests');
      // refused already (the event arrived): the next request is the one past the bound (every
      // refusal counts as a bad token against this address, so no flood of them)
      const wait = admitted ? 20 : since + RECHECK_MS - Date.now();
      await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    }
    expect(sent.filter((s) => s.at >= since + RECHECK_MS && s.admitted)).to.deep.equal([]);
  };

  it('a token both nodes remember is refused on the other node within the bound after logging out on one', async () => {
    const login = await stack.call('POST', '/api/auth/login', { body: { username: 'alice', password: 'correct horse' } });
    const { token } = (await login.json()) as { token: string };
    expect((await stack.call('GET', '/api/auth/me', { token })).status).to.equal(200);
    expect((await onSecond('/api/auth/me', token)).status).to.equal(200);

    expect((await stack.call('POST', '/api/auth/logout', { token })).status).to.equal(204);
    const loggedOut = Date.now();
    // the node that logged out knows at once
    expect((await stack.call('GET', '/api/auth/me', { token })).status).to.equal(401);

    let last: Response | undefined;
    await refusedWithinBound(loggedOut, async () => {
      last = await onSecond('/api/auth/me', token);
      return last.status === 200;
    });
    expect(last?.status).to.equal(401);
    expect(((await last?.json()) as { code: string }).code).to.equal('nox:token-revoked');
    expect((await stack.call('GET', '/api/auth/me', { token })).status).to.equal(401);
  });

  it('without the event stream, a revoked token is still refused within the bound (read again from Redis)', async () => {
    const ctx = await readyContext({ ...stack.config, rate_limit: { ...stack.config.rate_limit, max: 100_000 } });
    const guard = createRequestGuard(ctx, TEST_SECRET); // no tailer: memory and Redis only
    try {
      const token = tokenFor('operator', 'no-events');
      const verified = (await guard.admit(token, 'test')).verified;
      await revokeToken(secondCtx, verified); // by another process's context: no word reaches this guard but Redis
      const revokedAt = Date.now();
      await refusedWithinBound(revokedAt, () => guard.admit(token, 'test').then(() => true, (err: Error) => (err instanceof TokenRevokedError ? false : Promise.reject(err))));
    } finally {
      guard.close();
      await ctx.close();
    }
  });

  it('counts one rate limit for a principal whichever node it calls', async () => {
    const token = tokenFor('viewer', 'shared-limit');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await stack.call('GET', '/api/auth/me', { token })).status);
      statuses.push((await onSecond('/api/auth/me', token)).status);
    }
    // a limit under 200 is counted exactly (a lease of one hit)
    expect(statuses).to.deep.equal([200, 200, 200, 200, 200, 200, 429, 429]);
  });

  it('counted from leases on two nodes, a limit is never exceeded and refuses at most 1.5 leases per node early', async () => {
    const limit = 400;
    const config = { ...stack.config, rate_limit: { ...stack.config.rate_limit, max: limit } };
    const ctxs = [await readyContext(config), await readyContext(config)];
    const guards = ctxs.map((c) => createRequestGuard(c, TEST_SECRET));
    try {
      const lease = leaseSize(limit);
      expect(lease).to.equal(4);
      const token = tokenFor('viewer', 'leased-limit');
      let admitted = 0;
      let admittedBeforeRefusal: number | undefined;
      // in bursts of concurrent requests on both nodes, as clients send them
      for (let round = 0; round < 60; round++) {
        const burst = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => (guards[i % 2] as RequestGuard).admit(token, 'test')));
        for (const r of burst) {
          if (r.status === 'fulfilled') admitted++;
          else expect(r.reason).to.be.instanceOf(RateLimitedError);
        }
        if (admittedBeforeRefusal === undefined && burst.some((r) => r.status === 'rejected')) admittedBeforeRefusal = admitted;
      }
      expect(admitted).to.be.at.most(limit);
      // the first refusal comes no earlier than the tolerance allows
      expect(admittedBeforeRefusal).to.be.at.least(limit - 2 * 1.5 * lease);
    } finally {
      for (const g of guards) g.close();
      for (const c of ctxs) await c.close();
    }
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
