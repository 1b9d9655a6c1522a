import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { hashPassword } from '../../shared/auth/passwords.js';
import { startStack, TEST_SECRET, tokenFor, type Stack } from '../support/harness.js';

describe('API authentication and roles', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      withHost: false,
      overrides: {
        'auth.users': [
          { name: 'alice', role: 'operator', password_hash: await hashPassword('correct horse') },
          { name: 'victor', role: 'viewer', password_hash: await hashPassword('viewer pass') },
        ],
        'rate_limit.login_max': 5,
      },
    });
  });
  after(() => stack.cleanup());

  const codeOf = async (res: Response): Promise<string> => {
    expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
    return ((await res.json()) as { code: string }).code;
  };

  it('refuses a request with no token: 401 nox:unauthenticated', async () => {
    const res = await stack.call('GET', '/api/system/hosts');
    expect(res.status).to.equal(401);
    expect(await codeOf(res)).to.equal('nox:unauthenticated');
  });

  it('refuses an expired token with its own code', async () => {
    const res = await stack.call('GET', '/api/system/hosts', { token: tokenFor('admin', 'old', undefined, -10) });
    expect(res.status).to.equal(401);
    expect(await codeOf(res)).to.equal('nox:token-expired');
  });

  it('refuses a token it verified before once it expires (the remembered token is not served from memory)', async () => {
    const token = tokenFor('admin', 'brief', undefined, 2);
    expect((await stack.call('GET', '/api/system/hosts', { token })).status).to.equal(200);
    const exp = (jwt.decode(token) as { exp: number }).exp * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp - Date.now()) + 50));
    const res = await stack.call('GET', '/api/system/hosts', { token });
    expect(res.status).to.equal(401);
    expect(await codeOf(res)).to.equal('nox:token-expired');
  });

  it('refuses a token signed with another secret', async () => {
    const forged = jwt.sign({ role: 'admin' }, 'another-secret-another-secret-another-secret', { subject: 'eve', issuer: 'nox', expiresIn: '1h' });
    const res = await stack.call('GET', '/api/system/hosts', { token: forged });
    expect(res.status).to.equal(401);
    expect(await codeOf(res)).to.equal('nox:invalid-token');
  });

  it('refuses an unsigned (alg none) token and one without a valid role', async () => {
    const unsigned = jwt.sign({ role: 'admin' }, '', { algorithm: 'none', subject: 'eve', issuer: 'nox' });
    expect((await stack.call('GET', '/api/system/hosts', { token: unsigned })).status).to.equal(401);
    const noRole = jwt.sign({ role: 'root' }, TEST_SECRET, { subject: 'eve', issuer: 'nox', expiresIn: '1h' });
    const res = await stack.call('GET', '/api/system/hosts', { token: noRole });
    expect(res.status).to.equal(401);
    expect(await codeOf(res)).to.equal('nox:invalid-token');
  });

  it('answers 403 nox:forbidden when the role is not allowed', async () => {
    const res = await stack.call('POST', '/api/system/ping', { role: 'viewer' });
    expect(res.status).to.equal(403);
    expect(await codeOf(res)).to.equal('nox:forbidden');
    const agent = await stack.call('GET', '/api/system/hosts', { token: tokenFor('agent', 'a1', 'a1') });
    expect(agent.status).to.equal(403);
  });

  it('logs in with a scrypt-hashed password, returns a token and sets an httpOnly cookie', async () => {
    const res = await stack.call('POST', '/api/auth/login', { body: { username: 'alice', password: 'correct horse' } });
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { token: string; user: { role: string } };
    expect(body.user.role).to.equal('operator');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).to.match(/nox_token=/).and.to.match(/HttpOnly/i).and.to.match(/SameSite=Strict/i);

    const me = await stack.call('GET', '/api/auth/me', { token: body.token });
    expect(await me.json()).to.deep.include({ sub: 'alice', role: 'operator' });
    const viaCookie = await stack.call('GET', '/api/auth/me', { headers: { cookie: cookie.split(';')[0] as string } });
    expect(viaCookie.status).to.equal(200);
  });

  it('refuses a wrong password and an unknown user the same way', async () => {
    for (const body of [{ username: 'alice', password: 'wrong' }, { username: 'nobody', password: 'x' }]) {
      const res = await stack.call('POST', '/api/auth/login', { body, headers: { 'x-forwarded-for': '10.0.0.1' } });
      expect(res.status).to.equal(401);
      expect(await codeOf(res)).to.equal('nox:invalid-credentials');
    }
  });

  it('limits login attempts per client (429 with Retry-After), counted in Redis', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await stack.call('POST', '/api/auth/login', { body: { username: 'victor', password: 'guess' } });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.headers.get('retry-after')).to.match(/^\d+$/);
        expect(await codeOf(res)).to.equal('nox:rate-limited');
      }
    }
    expect(statuses).to.include(429);
    expect(statuses.filter((s) => s === 401).length).to.be.at.most(5);
    const keys = await stack.apiCtx.redis.keys(`${stack.config.redis.prefix}:ratelimit:login:*`);
    expect(keys.length).to.be.greaterThan(0);
  });
});
