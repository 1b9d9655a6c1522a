import { expect } from 'chai';
import { startApiServer } from '../../api/server.js';
import { freePort } from '../../bin/local-redis.js';
import { startStack, testConfig, testContext, tokenFor, type Stack } from '../support/harness.js';

describe('problem+json for every client error', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ withHost: false, overrides: { 'api.body_limit': '1kb' } });
  });
  after(() => stack.cleanup());

  const problem = async (res: Response): Promise<Record<string, unknown>> => {
    expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).to.include.keys('type', 'title', 'status', 'detail', 'code');
    expect(body.status).to.equal(res.status);
    return body;
  };

  it('400 for a body that is not JSON', async () => {
    const res = await stack.call('POST', '/api/system/ping', { role: 'admin', body: '{"hostId":' });
    expect(res.status).to.equal(400);
    expect((await problem(res)).code).to.equal('nox:validation-failed');
  });

  it('400 naming every failing field', async () => {
    const res = await stack.call('POST', '/api/system/ping', { role: 'admin', body: { hostId: '../etc', workMs: -5, extra: 1 } });
    expect(res.status).to.equal(400);
    const body = await problem(res);
    const paths = (body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).to.include.members(['body.hostId', 'body.workMs']);
    expect(paths.some((p) => p === 'body' || p.startsWith('body'))).to.equal(true);
  });

  it('413 for a body over the limit', async () => {
    const res = await stack.call('POST', '/api/system/ping', { role: 'admin', body: { pad: 'x'.repeat(4096) } });
    expect(res.status).to.equal(413);
    expect((await problem(res)).code).to.equal('nox:payload-too-large');
  });

  it('404 for an unknown API route, with the correlation id echoed', async () => {
    const res = await stack.call('GET', '/api/nothing-here', { role: 'admin', headers: { 'x-correlation-id': 'trace-123' } });
    expect(res.status).to.equal(404);
    const body = await problem(res);
    expect(body.code).to.equal('nox:route-not-found');
    expect(body.correlationId).to.equal('trace-123');
  });

  it('liveness needs no token and no Redis round trip', async () => {
    const res = await stack.call('GET', '/health');
    expect(res.status).to.equal(200);
    expect(await res.json()).to.have.property('status', 'ok');
  });

  it('503 nox:redis-unavailable, fast, when Redis is down — and the API keeps running', async () => {
    const port = await freePort();
    const config = testConfig({ overrides: { 'redis.url': `redis://127.0.0.1:${port}` } });
    const ctx = testContext(config, 'api');
    const api = await startApiServer(ctx);
    try {
      for (const path of ['/api/system/hosts', '/api/system/health']) {
        const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${tokenFor('admin')}` } });
        expect(res.status).to.equal(503);
        expect((await problem(res)).code).to.equal('nox:redis-unavailable');
        expect(res.headers.get('retry-after')).to.equal('1');
      }
      expect((await fetch(`${api.url}/health`)).status).to.equal(200);
    } finally {
      await api.close();
      await ctx.close();
    }
  });
});
