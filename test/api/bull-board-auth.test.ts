import { expect } from 'chai';
import { startStack, tokenFor, type Stack } from '../support/harness.js';

describe('bull-board behind the API auth', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.cleanup());

  it('refuses an API client without a token (401 problem) and sends a browser to the login page', async () => {
    const api = await stack.call('GET', '/admin/queues/api/queues', { headers: { accept: 'application/json' } });
    expect(api.status).to.equal(401);
    const page = await fetch(`${stack.api.url}/admin/queues`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).to.equal(302);
    expect(page.headers.get('location')).to.equal('/login?next=%2Fadmin%2Fqueues');
  });

  it('refuses an agent token', async () => {
    const res = await stack.call('GET', '/admin/queues/api/queues', { token: tokenFor('agent', 'a1', 'a1') });
    expect(res.status).to.equal(403);
  });

  it('shows every Nox queue to a viewer through the cookie, read-only', async () => {
    const cookie = `nox_token=${tokenFor('viewer')}`;
    const page = await fetch(`${stack.api.url}/admin/queues`, { headers: { cookie, accept: 'text/html' } });
    expect(page.status).to.equal(200);
    expect(await page.text()).to.match(/<html/i);
    const res = await fetch(`${stack.api.url}/admin/queues/api/queues?activeQueue=spawn`, { headers: { cookie } });
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    const names = body.queues.map((q) => q.name);
    expect(names).to.include.members(['spawn', 'messages', 'tasks', 'approvals', 'registry', 'mcp', `host.${stack.host!.id}`]);
    expect(body.queues.every((q) => q.readOnlyMode)).to.equal(true);
  });

  it('gives operators the full board', async () => {
    const res = await stack.call('GET', '/admin/queues/api/queues', { role: 'operator' });
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { queues: { readOnlyMode: boolean }[] };
    expect(body.queues.length).to.be.greaterThan(0);
    expect(body.queues.every((q) => !q.readOnlyMode)).to.equal(true);
  });
});
