import { expect } from 'chai';
import { startStack, tokenFor, type Stack } from '../support/harness.js';

/**
 * A page on another origin makes the person's browser post a form to Nox: the browser adds
 * the login cookie, and without a check the change would go through as that person. A
 * change authenticated by the cookie needs its Origin (else Referer) to be Nox's own, or
 * the dashboard's X-Nox-Request header; else 403 nox:cross-site-request. bull-board's
 * changes sit behind the same cookie and the same check. Bearer requests are not concerned
 * (a browser never adds that header on its own).
 */
describe('security: a cross-site form post with the login cookie', function () {
  this.timeout(30_000);
  let stack: Stack;
  const cookie = `nox_token=${tokenFor('operator')}`;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.cleanup());

  const ping = (headers: Record<string, string>, body = '{}') =>
    stack.call('POST', '/api/system/ping', { body, headers: { cookie, 'content-type': 'application/json', ...headers } });
  const codeOf = async (res: Response) => ((await res.json()) as { code: string }).code;

  it('is refused from another origin, from a Referer elsewhere, or with neither', async () => {
    const form = await ping({ origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, 'hostId=x');
    expect(form.status).to.equal(403);
    expect(await codeOf(form)).to.equal('nox:cross-site-request');
    expect((await ping({ origin: 'http://evil.example' })).status).to.equal(403);
    expect((await ping({ origin: 'null' })).status, 'an opaque origin (sandboxed frame)').to.equal(403);
    expect((await ping({ referer: 'http://evil.example/page' })).status).to.equal(403);
    expect((await ping({})).status).to.equal(403);
    const sibling = new URL(stack.api.url);
    sibling.port = String(Number(sibling.port) + 1);
    expect((await ping({ origin: sibling.origin })).status, 'the same site on another port is another origin').to.equal(403);
  });

  it('passes with the dashboard’s header, from its own origin, or with a bearer token', async () => {
    expect((await ping({ 'x-nox-request': '1' })).status).to.equal(200);
    expect((await ping({ origin: stack.api.url })).status).to.equal(200);
    expect((await ping({ referer: `${stack.api.url}/hosts` })).status).to.equal(200);
    const bearer = await stack.call('POST', '/api/system/ping', { role: 'operator', body: {}, headers: { origin: 'http://evil.example' } });
    expect(bearer.status).to.equal(200);
    expect((await stack.call('GET', '/api/system/hosts', { headers: { cookie, origin: 'http://evil.example' } })).status, 'reads are not changes').to.equal(200);
  });

  it('covers bull-board’s changes and logout', async () => {
    const clean = (origin: string) => fetch(`${stack.api.url}/admin/queues/api/queues/tasks/clean/completed`, { method: 'PUT', headers: { cookie, origin } });
    const refused = await clean('http://evil.example');
    expect(refused.status).to.equal(403);
    expect(await codeOf(refused)).to.equal('nox:cross-site-request');
    expect((await clean(stack.api.url)).status).to.be.within(200, 299);

    const own = `nox_token=${tokenFor('viewer', 'logout-victim')}`;
    const logout = await stack.call('POST', '/api/auth/logout', { headers: { cookie: own, origin: 'http://evil.example' } });
    expect(logout.status).to.equal(403);
    expect((await stack.call('GET', '/api/auth/me', { headers: { cookie: own } })).status, 'the session survives').to.equal(200);
  });
});
