import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'smol-toml';
import { readRuntime } from '../../shared/agents/runtime-state.js';
import { verifyToken } from '../../shared/auth/tokens.js';
import { listHosts } from '../../shared/hosts/host-directory.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { HostInfo } from '../../shared/types.js';
import { readTranscript } from '../../workers/messages/deliverer.js';
import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import { FAKE_CLAUDE } from '../agents/agent-stack.js';
import { apiCaller } from '../support/api-caller.js';
import { FIXTURES_DIR, redisUrl, TEST_SECRET, testContext, tokenFor, waitUntil } from '../support/harness.js';
import { spawnNox, type NoxProcess } from '../support/processes.js';
import { userTurns } from '../support/transcripts.js';
import { startApiWithWorkers, type ApiWithWorkers } from '../support/worker-process.js';

/**
 * Joining a host with a host credential (issue 15, item 2), as an admin and a host on
 * another machine would: `nox host token` through the API, then `nox worker` started with
 * the Redis URL and that credential — no host id, no labels, no signing key; its folder
 * empty (the other variables are the test's isolation: its key prefix, where its empty
 * folder is, the log level). It joins as the credential's host, runs an agent made through
 * the API (the agent's token minted for it by the API), and holds no key that mints tokens.
 * `nox host revoke` stops it: it takes no more work and exits saying why, the hosts list
 * says why, the token it was given is refused, and the agent goes on on another host.
 */
describe('hosts: a host joins with a host credential alone, and stops when it is revoked', function () {
  this.timeout(180_000);
  let stack: ApiWithWorkers;
  let writerCtx: NoxContext;
  let writer: RegistryWriter;
  let far: NoxProcess | undefined;
  const roots: string[] = [];
  const overrides = { 'agent.command': process.execPath, 'agent.args': [FAKE_CLAUDE], 'agent.store': 'registry', 'agent.stop_grace_ms': 1000, 'agent.sampling_interval_ms': 60_000 };

  before(async () => {
    stack = await startApiWithWorkers(overrides);
    // machine A's system-config.toml, which the writer publishes: what every host runs its agents with
    const agent = { command: process.execPath, args: [FAKE_CLAUDE], sandbox_read: [FIXTURES_DIR], api_url: stack.api.url, stop_grace_ms: 1000, sampling_interval_ms: 60_000 };
    writeFileSync(path.join(stack.config.registryDir, 'system-config.toml'), stringify({ agent }));
    writerCtx = testContext(stack.config, 'worker');
    writer = await startRegistryWriter(writerCtx, { watchTasks: false });
  });
  after(async () => {
    far?.kill();
    await stack.cleanup();
    await writer.close();
    await writerCtx.close();
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  const cli = (args: string[], role: 'admin' | 'operator' = 'admin'): NoxProcess =>
    spawnNox(args, { NOX_API_URL: stack.api.url, NOX_TOKEN: tokenFor(role, 'carol'), NOX_REGISTRY_DIR: stack.config.registryDir, LOG_LEVEL: 'silent' });
  const run = async (args: string[]): Promise<string> => {
    const p = cli(args);
    const { code } = await p.exited();
    expect(code, p.output()).to.equal(0);
    return p.output();
  };
  const host = async (id: string): Promise<HostInfo | undefined> => (await listHosts(stack.apiCtx.redis, stack.apiCtx.keys)).find((h) => h.id === id);

  it('runs an agent made through the API with only REDIS_URL and the credential, holding no signing key; revoking the credential stops it', async () => {
    const { json, call } = apiCaller(stack.api.url);
    const minted = await run(['host', 'token', '--host', 'far-b', '--labels', 'machine=b']);
    const credential = minted.match(/^noxh_[0-9a-f]{16}_[0-9a-f]{64}$/m)?.[0];
    expect(credential, minted).to.be.a('string');
    const credentialId = credential!.split('_')[1]!;
    expect(minted).to.include(`nox host revoke ${credentialId}`);

    const root = mkdtempSync(path.join(tmpdir(), 'nox-machine-'));
    roots.push(root);
    const registryDir = path.join(root, '.nox-registry');
    far = spawnNox(['worker'], { REDIS_URL: redisUrl(), NOX_HOST_TOKEN: credential!, NOX_REDIS_PREFIX: stack.config.redis.prefix, NOX_REGISTRY_DIR: registryDir, LOG_LEVEL: 'info' });
    await far.waitFor(/worker host started/, 60_000);
    expect(far.output()).to.include('joined with a host credential');

    // what it loaded: no signing key in its config (its registration says so, from that config)
    // nor in its environment, nor a secrets file on its disk
    let registered: HostInfo | undefined;
    await waitUntil(async () => (registered = await host('far-b'))?.alive === true, 20_000);
    expect(registered).to.deep.include({ agentTokens: 'host-credential', signingKey: false, labels: { machine: 'b' }, credential: { id: credentialId } });
    const environ = readFileSync(`/proc/${far.child.pid}/environ`, 'utf8').split('\0');
    expect(environ.filter((v) => /^NOX_JWT_SECRET=|^NOX_SECRET_|^NOX_TOKEN=/.test(v))).to.deep.equal([]);
    expect(environ).to.include(`NOX_HOST_TOKEN=${credential}`);
    expect(environ.find((v) => v.startsWith('NOX_HOST_ID='))).to.equal(undefined);
    expect(existsSync(path.join(registryDir, '.runtime', 'secrets.toml'))).to.equal(false);
    expect(existsSync(path.join(registryDir, 'agents.toml'))).to.equal(false);

    // an agent made through the API, placed by the credential's label, runs there and answers
    await json('POST', '/api/agents', 201, { body: { id: 'gamma', labels: { machine: 'b' }, start: true } });
    await waitUntil(async () => (await readRuntime(stack.apiCtx.redis, stack.apiCtx.keys, 'gamma'))?.status === 'idle', 60_000);
    const runtime = (await readRuntime(stack.apiCtx.redis, stack.apiCtx.keys, 'gamma'))!;
    expect(runtime.hostId).to.equal('far-b');
    await json('POST', '/api/agents/gamma/turn', 202, { body: { text: 'hello far b' } });
    const configDir = path.join(registryDir, '.runtime', 'agents', 'gamma', 'claude');
    await waitUntil(() => userTurns(readTranscript(configDir, runtime.sessionId!)).includes('hello far b'), 20_000);
    // the agent's process never sees the host's credential
    const agentEnv = readFileSync(`/proc/${runtime.pid}/environ`, 'utf8');
    expect(agentEnv).to.not.include(credential!);
    expect(agentEnv).to.not.include('NOX_HOST_TOKEN');

    // its token was minted by the API for this host: it acts as gamma, and names the credential
    const token = readFileSync(path.join(registryDir, '.runtime', 'agents', 'gamma', 'run', 'nox-token'), 'utf8').trim();
    const claims = verifyToken(TEST_SECRET, token);
    expect(claims.principal).to.deep.equal({ sub: 'gamma', role: 'agent', agentId: 'gamma' });
    expect(claims.hostCredential).to.equal(credentialId);
    expect((await call('GET', '/api/auth/me', { token })).status).to.equal(200);

    // another host's credential gets no token for gamma, placed on far-b by a real host
    const other = (await run(['host', 'token', '--host', 'far-c'])).match(/^noxh_\S+$/m)![0];
    const res = await fetch(`${stack.api.url}/api/host/agents/gamma/token`, { method: 'POST', headers: { authorization: `Bearer ${other}` } });
    expect(res.status).to.equal(403);
    expect(((await res.json()) as { code: string }).code).to.equal('nox:agent-not-on-host');

    // a host of machine A (the signing key, as `nox up`'s host) to take the agent over
    await stack.startWorker({ 'worker.host_id': 'near-a', 'worker.labels': { machine: 'b' } });

    const listed = await run(['host', 'tokens']);
    expect(listed).to.match(new RegExp(`^${credentialId}\\tactive\\tfar-b\\tmachine=b\\tnever\\t\\S+\\tuser:carol$`, 'm'));
    expect(await run(['host', 'revoke', credentialId])).to.include(`${credentialId} revoked: host "far-b" stops taking work`);

    // the host stops taking work and exits, saying why
    const { code } = await far.exited();
    expect(code, far.output()).to.equal(3);
    expect(far.output()).to.match(/host credential lost: this host stops taking work/);
    expect(far.output()).to.match(new RegExp(`host credential ${credentialId} revoked at .* by user:carol`));
    const hosts = await json<{ hosts: HostInfo[] }>('GET', '/api/system/hosts', 200);
    const gone = hosts.hosts.find((h) => h.id === 'far-b')!;
    expect(gone.alive).to.equal(false);
    expect(gone.stopped?.reason).to.match(new RegExp(`host credential ${credentialId} revoked`));
    expect(gone.credential?.revokedAt).to.be.a('string');
    // the token it was given is refused; the agent carries on on machine A with a token of its own there
    const refused = await call('GET', '/api/auth/me', { token });
    expect(refused.status).to.equal(401);
    expect(((await refused.json()) as { code: string }).code).to.equal('nox:token-revoked');
    await waitUntil(async () => {
      const r = await readRuntime(stack.apiCtx.redis, stack.apiCtx.keys, 'gamma');
      return r?.hostId === 'near-a' && r.status === 'idle';
    }, 60_000);

    // started again with the revoked credential, it is turned away before it takes anything
    const again = spawnNox(['worker'], { REDIS_URL: redisUrl(), NOX_HOST_TOKEN: credential!, NOX_REDIS_PREFIX: stack.config.redis.prefix, NOX_REGISTRY_DIR: registryDir, LOG_LEVEL: 'info' });
    const second = await again.exited();
    expect(second.code, again.output()).to.equal(1);
    expect(again.output()).to.match(/401 nox:host-credential-revoked: Host credential [0-9a-f]{16} was revoked/);
    expect(again.output()).to.not.include('worker host started');
    expect((await host('far-b'))?.alive).to.equal(false);
  });
});
