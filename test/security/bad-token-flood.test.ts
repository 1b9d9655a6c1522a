import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { startStack, tokenFor, type Stack } from '../support/harness.js';
import { refusedHandshake } from './socket-probe.js';

/**
 * A flood of forged tokens from one address must not buy unlimited verifications (or
 * unlimited guesses): past `rate_limit.bad_token_max` bad tokens in a window the address gets
 * 429 nox:rate-limited with Retry-After, counted in Redis for every API node — on HTTP and
 * on the Socket.IO handshake alike.
 */
describe('security: a flood of bad tokens', function () {
  this.timeout(20_000);
  let stack: Stack;
  before(async () => {
    stack = await startStack({ withHost: false, overrides: { 'rate_limit.bad_token_max': 5 } });
  });
  after(() => stack.cleanup());

  it('gets 429 past the limit, on HTTP and on the socket handshake', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 12; i++) {
      const forged = jwt.sign({ role: 'admin' }, `guessed-secret-${i}-guessed-secret-guessed`, { subject: 'eve', issuer: 'nox', expiresIn: '1h', jwtid: `forgedforgedforged${i}` });
      last = await stack.call('GET', '/api/system/hosts', { token: forged });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 5)).to.deep.equal([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((s) => s === 429), statuses.join(',')).to.equal(true);
    expect(last!.headers.get('retry-after')).to.match(/^\d+$/);
    expect(((await last!.json()) as { code: string }).code).to.equal('nox:rate-limited');
    const counters = await stack.apiCtx.redis.keys(`${stack.config.redis.prefix}:ratelimit:bad-token:*`);
    expect(counters).to.have.length(1);

    const err = await refusedHandshake(stack.api.url, { token: 'not-a-token' });
    expect(err.data?.code).to.equal('nox:rate-limited');
    // the address waits as a whole, as with the per-IP login limit (docs/API.md)
    expect((await stack.call('GET', '/api/auth/me', { token: tokenFor('viewer') })).status).to.equal(429);
  });
});
