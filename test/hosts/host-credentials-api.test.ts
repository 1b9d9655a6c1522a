import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { claimAgent } from '../../shared/agents/runtime-state.js';
import { revokeAgentTokens } from '../../shared/auth/revocation.js';
import { verifyToken } from '../../shared/auth/tokens.js';
import { encodeCredential, formatHostCredential } from '../../shared/hosts/host-credential.js';
import { hostCredentialSource } from '../../workers/host-credential/agent-token-source.js';
import { hostApi, type HostApiError } from '../../workers/host-credential/host-api.js';
import { startStack, TEST_SECRET, tokenFor, type Stack } from '../support/harness.js';

/**
 * Host credentials at the API (issue 15, item 2; docs/HOSTS.md, "Joining a host"), every
 * boundary tried from both sides: only admins mint, list and revoke; the host routes take a
 * host credential and nothing else, and a host credential opens nothing else; a host gets
 * the token of an agent placed on it and of no other; the token it gets is the agent's
 * (not more) and dies with the credential. Agents are placed with the claim a host makes
 * before it starts one (claimAgent), on the real Redis; a host process doing it is
 * host-credentials-join.test.ts.
 */
describe('hosts: host credentials at the API', function () {
  this.timeout(30_000);
  let stack: Stack;

  before(async () => {
    stack = await startStack({ withHost: false });
  });
  after(async () => {
    await stack.cleanup();
  });

  interface Minted {
    credential: string;
    id: string;
    hostId?: string;
    labels?: Record<string, string>;
    state: string;
    expiresAt?: string;
  }

  const send = async (method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${stack.api.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const mint = async (body: Record<string, unknown> = {}): Promise<Minted> => {
    const r = await send('POST', '/api/system/host-tokens', tokenFor('admin', 'alice'), body);
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    return r.body as unknown as Minted;
  };
  const place = async (agentId: string, hostId: string): Promise<void> => {
    expect(await claimAgent(stack.apiCtx.redis, stack.apiCtx.keys, agentId, hostId)).to.equal('claimed');
  };
  const expectRejection = async (p: Promise<unknown>, pattern: RegExp): Promise<void> => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).to.match(pattern);
  };
  const expectRefused = (r: { status: number; body: Record<string, unknown> }, status: number, code: string): void => {
    expect(r.status, JSON.stringify(r.body)).to.equal(status);
    expect(r.body.code).to.equal(code);
  };

  it('only an admin mints, lists and revokes; the credential is shown once and its secret never again', async () => {
    for (const role of ['operator', 'viewer'] as const) {
      expectRefused(await send('POST', '/api/system/host-tokens', tokenFor(role), {}), 403, 'nox:forbidden');
      expectRefused(await send('GET', '/api/system/host-tokens', tokenFor(role)), 403, 'nox:forbidden');
    }
    expectRefused(await send('POST', '/api/system/host-tokens', tokenFor('agent', 'a1', 'a1'), {}), 403, 'nox:forbidden');
    expectRefused(await send('POST', '/api/system/host-tokens', undefined, {}), 401, 'nox:unauthenticated');

    const m = await mint({ hostId: 'far-a', labels: { machine: 'a' }, ttl: '90d' });
    expect(m.credential).to.match(/^noxh_[0-9a-f]{16}_[0-9a-f]{64}$/);
    expect(m).to.include({ hostId: 'far-a', state: 'active' });
    expect(m.labels).to.deep.equal({ machine: 'a' });
    expect(Date.parse(m.expiresAt!) - Date.now()).to.be.greaterThan(89 * 86_400_000);

    const list = await send('GET', '/api/system/host-tokens', tokenFor('admin'));
    const shown = (list.body.items as Record<string, unknown>[]).find((c) => c.id === m.id)!;
    expect(shown).to.include({ hostId: 'far-a', createdBy: 'user:alice', state: 'active' });
    const secret = m.credential.split('_')[2]!;
    expect(JSON.stringify(list.body)).to.not.include(secret);
    expect(shown).to.not.have.any.keys('secretHash', 'seal', 'credential');
    // nor does Redis hold it: the record has an HMAC of it under a key only the API derives
    const held = await stack.apiCtx.redis.hgetall(stack.apiCtx.keys.hostCredential(m.id));
    expect(JSON.stringify(held)).to.not.include(secret);

    expectRefused(await send('POST', '/api/system/host-tokens', tokenFor('admin'), { ttl: '10 days' }), 400, 'nox:validation-failed');
    expectRefused(await send('POST', '/api/system/host-tokens', tokenFor('admin'), { hostId: '../x' }), 400, 'nox:validation-failed');
    expectRefused(await send('DELETE', '/api/system/host-tokens/0123456789abcdef', tokenFor('admin')), 404, 'nox:host-credential-not-found');
  });

  it('a host credential opens no route but the host routes: not the admin routes, not an agent’s, not a person’s', async () => {
    const m = await mint({ hostId: 'far-b' });
    expectRefused(await send('POST', '/api/system/host-tokens', m.credential, {}), 401, 'nox:invalid-token');
    expectRefused(await send('GET', '/api/system/host-tokens', m.credential), 401, 'nox:invalid-token');
    expectRefused(await send('GET', '/api/agents', m.credential), 401, 'nox:invalid-token');
    expectRefused(await send('GET', '/api/auth/me', m.credential), 401, 'nox:invalid-token');
    expectRefused(await send('POST', '/api/system/hosts/far-b/cordon', m.credential), 401, 'nox:invalid-token');
  });

  it('the host routes take a host credential only: no JWT (an agent’s, an admin’s), no forgery, no record written into Redis by hand', async () => {
    await place('held-c', 'far-c');
    const path = '/api/host/agents/held-c/token';
    expectRefused(await send('POST', path, undefined), 401, 'nox:host-credential-invalid');
    // an agent's own token never acts as a host, nor does an admin's
    expectRefused(await send('POST', path, tokenFor('agent', 'held-c', 'held-c')), 401, 'nox:host-credential-invalid');
    expectRefused(await send('POST', '/api/host/join', tokenFor('admin'), { hostId: 'far-c' }), 401, 'nox:host-credential-invalid');
    // the right id with a guessed secret
    const m = await mint({ hostId: 'far-c' });
    const forged = formatHostCredential({ id: m.id, secret: randomBytes(32).toString('hex') });
    expectRefused(await send('POST', path, forged), 401, 'nox:host-credential-invalid');
    // a record someone with Redis access writes, for a secret they chose: not sealed by an API, so void
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('hex');
    const { redis, keys } = stack.apiCtx;
    const copy = await redis.hgetall(keys.hostCredential(m.id));
    await redis.hset(keys.hostCredential(id), encodeCredential({ id, hostId: 'far-c', createdAt: new Date().toISOString(), createdBy: 'mallory', secretHash: copy.secretHash!, seal: copy.seal! }));
    expectRefused(await send('POST', path, formatHostCredential({ id, secret })), 401, 'nox:host-credential-invalid');
    // nor does moving a sealed record to another host help
    await redis.hset(keys.hostCredential(m.id), 'hostId', 'far-d');
    expectRefused(await send('POST', '/api/host/join', m.credential), 401, 'nox:host-credential-invalid');
  });

  it('join: a credential minted for a host serves that host only; an unbound one is kept by the first host to join', async () => {
    const bound = await mint({ hostId: 'far-e', labels: { zone: 'e' } });
    const joined = await send('POST', '/api/host/join', bound.credential, {});
    expect(joined.status).to.equal(200);
    expect(joined.body).to.deep.include({ credentialId: bound.id, hostId: 'far-e', labels: { zone: 'e' } });
    expectRefused(await send('POST', '/api/host/join', bound.credential, { hostId: 'far-other' }), 409, 'nox:host-credential-bound');
    // a host's hostname-derived id is only a default: the credential's host wins
    expect((await send('POST', '/api/host/join', bound.credential, { defaultHostId: 'some-hostname' })).body).to.include({ hostId: 'far-e' });

    const open = await mint();
    expectRefused(await send('POST', '/api/host/join', open.credential, {}), 400, 'nox:validation-failed');
    // two hosts race for it: exactly one keeps it
    const [one, two] = await Promise.all([send('POST', '/api/host/join', open.credential, { hostId: 'far-f1' }), send('POST', '/api/host/join', open.credential, { hostId: 'far-f2' })]);
    expect([one.status, two.status].sort()).to.deep.equal([200, 409]);
    const winner = one.status === 200 ? 'far-f1' : 'far-f2';
    expect((await send('POST', '/api/host/join', open.credential, { hostId: winner })).status).to.equal(200);
    const list = await send('GET', '/api/system/host-tokens', tokenFor('admin'));
    expect((list.body.items as Record<string, unknown>[]).find((c) => c.id === open.id)).to.include({ hostId: winner });
    // with no id configured, a host joins under its default id, which the credential then keeps
    const plain = await mint();
    expect((await send('POST', '/api/host/join', plain.credential, { defaultHostId: 'far-k' })).body).to.include({ hostId: 'far-k' });
    expect((await send('POST', '/api/host/join', plain.credential, { defaultHostId: 'far-k2' })).body).to.include({ hostId: 'far-k' });
    expectRefused(await send('POST', '/api/host/join', plain.credential, { hostId: 'far-k2' }), 409, 'nox:host-credential-bound');
  });

  it('a host gets the token of an agent placed on it, never of one placed elsewhere or nowhere; the token is the agent’s and no more', async () => {
    const mine = await mint({ hostId: 'far-g' });
    const theirs = await mint({ hostId: 'far-h' });
    await place('g-agent', 'far-g');
    await place('h-agent', 'far-h');

    const got = await send('POST', '/api/host/agents/g-agent/token', mine.credential);
    expect(got.status, JSON.stringify(got.body)).to.equal(200);
    const token = got.body.token as string;
    const claims = verifyToken(TEST_SECRET, token);
    expect(claims.principal).to.deep.equal({ sub: 'g-agent', role: 'agent', agentId: 'g-agent' });
    expect(claims.hostCredential).to.equal(mine.id);

    // across the boundary, both ways, and to an agent no host runs
    expectRefused(await send('POST', '/api/host/agents/h-agent/token', mine.credential), 403, 'nox:agent-not-on-host');
    expectRefused(await send('POST', '/api/host/agents/g-agent/token', theirs.credential), 403, 'nox:agent-not-on-host');
    expectRefused(await send('POST', '/api/host/agents/nobody/token', mine.credential), 403, 'nox:agent-not-on-host');

    // the token acts as the agent, and only as it
    const me = await send('GET', '/api/auth/me', token);
    expect(me.body).to.deep.include({ sub: 'g-agent', role: 'agent', agentId: 'g-agent' });
    expectRefused(await send('POST', '/api/system/host-tokens', token, {}), 403, 'nox:forbidden');
    expectRefused(await send('POST', '/api/host/agents/g-agent/token', token), 401, 'nox:host-credential-invalid');

    // a stop revokes it as it revokes every agent token; the next one works
    await revokeAgentTokens(stack.apiCtx, 'g-agent', 'stopped');
    expectRefused(await send('GET', '/api/auth/me', token), 401, 'nox:token-revoked');
    const again = await send('POST', '/api/host/agents/g-agent/token', mine.credential);
    expect((await send('GET', '/api/auth/me', again.body.token as string)).status).to.equal(200);
  });

  it('revoking the credential refuses it and every agent token minted for its host; revoking again changes nothing', async () => {
    const m = await mint({ hostId: 'far-i' });
    await place('i-agent', 'far-i');
    const token = (await send('POST', '/api/host/agents/i-agent/token', m.credential)).body.token as string;
    expect((await send('GET', '/api/auth/me', token)).status).to.equal(200);

    const revoked = await send('DELETE', `/api/system/host-tokens/${m.id}`, tokenFor('admin', 'bob'));
    expect(revoked.status).to.equal(200);
    expect(revoked.body).to.include({ id: m.id, state: 'revoked', revokedBy: 'user:bob', changed: true });
    expectRefused(await send('GET', '/api/auth/me', token), 401, 'nox:token-revoked');
    expectRefused(await send('POST', '/api/host/join', m.credential), 401, 'nox:host-credential-revoked');
    expectRefused(await send('POST', '/api/host/agents/i-agent/token', m.credential), 401, 'nox:host-credential-revoked');
    const twice = await send('DELETE', `/api/system/host-tokens/${m.id}`, tokenFor('admin'));
    expect(twice.body).to.include({ state: 'revoked', changed: false, revokedBy: 'user:bob' });
    const events = (await stack.apiCtx.redis.xrange(stack.apiCtx.keys.events(), '-', '+')).map(([, f]) => JSON.parse(f[1] as string) as { type: string; hostId?: string; data: { credentialId: string } });
    expect(events.filter((e) => e.type === 'host.credential-revoked' && e.data.credentialId === m.id)).to.have.length(1);
  });

  it('the host side: its tokens come from the API, a token shown for an agent must be the one given for it, a refusal is news', async () => {
    const m = await mint({ hostId: 'far-m' });
    await place('m-agent', 'far-m');
    await place('m-other', 'far-m');
    let refused: HostApiError | undefined;
    const source = hostCredentialSource(hostApi(stack.api.url, m.credential), (err) => (refused = err));
    const token = await source.mint('m-agent', 0);
    expect(source.verify('m-agent', token).principal).to.deep.equal({ sub: 'm-agent', role: 'agent', agentId: 'm-agent' });
    // a token the key minted for the same agent verifies anywhere else, but was not given here
    expect(() => source.verify('m-agent', tokenFor('agent', 'm-agent', 'm-agent'))).to.throw(/Not the token this host was given for agent m-agent/);
    // nor does another agent's token, given to this host, open m-agent's endpoints
    const other = await source.mint('m-other', 0);
    expect(() => source.verify('m-agent', other)).to.throw(/Not the token/);
    expect(() => source.verify('m-nobody', token)).to.throw(/Not the token/);
    // an agent placed elsewhere: refused, and not taken as the credential's loss
    await place('m-far', 'far-elsewhere');
    await expectRejection(source.mint('m-far', 0), /403 nox:agent-not-on-host/);
    expect(refused).to.equal(undefined);
    await send('DELETE', `/api/system/host-tokens/${m.id}`, tokenFor('admin'));
    await expectRejection(source.mint('m-agent', 0), /401 nox:host-credential-revoked/);
    expect(refused?.code).to.equal('nox:host-credential-revoked');
  });

  it('an expired credential is refused with its own code, and listed as expired', async () => {
    const m = await mint({ hostId: 'far-j', ttl: '1s' });
    await new Promise((r) => setTimeout(r, 1100));
    expectRefused(await send('POST', '/api/host/join', m.credential), 401, 'nox:host-credential-expired');
    const list = await send('GET', '/api/system/host-tokens', tokenFor('admin'));
    expect((list.body.items as Record<string, unknown>[]).find((c) => c.id === m.id)).to.include({ state: 'expired' });
  });
});
