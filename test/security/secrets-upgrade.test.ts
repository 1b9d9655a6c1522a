import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { freePort } from '../../bin/local-redis.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import { signToken } from '../../shared/auth/tokens.js';
import { resolveSecretsFile } from '../../shared/config/secrets.js';
import { redisUrl, uniquePrefix, dropPrefix } from '../support/harness.js';
import { spawnNox, type NoxProcess } from '../support/processes.js';

/**
 * A registry made by an older Nox kept the JWT signing key, the admin's password hash and
 * the webhook URL in system-config.toml, committed to git. Started as a user would (`nox up`)
 * it must: move them to the secrets file, replace the key (a token signed with the old one
 * dies; said once), keep the admin's password working, never show an old secret in any
 * commit a viewer can read, refuse to push that history to the backup remote, and — with
 * the operator's consent — rewrite the history without them (`nox registry purge-secrets`),
 * after which the backup carries none.
 */
describe('security: upgrading a registry whose git history holds secrets', function () {
  this.timeout(120_000);
  const OLD_KEY = 'old-signing-key-that-was-committed-to-git-0123456789';
  const WEBHOOK = 'https://hooks.example.invalid/services/T0000/B0000/webhooksecretvalue42';
  let root: string;
  let reg: string;
  let bare: string;
  let secretsFile: string;
  let up: NoxProcess | undefined;
  const prefix = uniquePrefix();
  const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'nox-sec-upgrade-'));
    reg = path.join(root, 'registry');
    bare = path.join(root, 'backup.git');
    secretsFile = path.join(root, '.nox-secrets', 'secrets.toml');
    expect(resolveSecretsFile(reg, {})).to.equal(secretsFile); // the documented default: beside the registry
    execFileSync('git', ['init', '-q', '--bare', bare]);
    mkdirSync(reg);
    git(reg, 'init', '-q', '-b', 'main');
    git(reg, 'config', 'user.email', 'system@nox.local');
    git(reg, 'config', 'user.name', 'system');
    const adminHash = await hashPassword('old admin pass');
    writeFileSync(
      path.join(reg, 'system-config.toml'),
      `[auth]\njwt_secret = "${OLD_KEY}"\n\n[[auth.users]]\nname = "admin"\nrole = "admin"\npassword_hash = "${adminHash}"\n\n[approvals]\nwebhook_url = "${WEBHOOK}"\n\n[registry]\nbackup_remote = "${bare}"\n`,
    );
    writeFileSync(path.join(reg, '.gitignore'), '.runtime/\n');
    mkdirSync(path.join(reg, 'agents', 'a1', 'conversations'), { recursive: true });
    writeFileSync(path.join(reg, 'agents', 'a1', 'conversations', '2026-01-01.toml.gz'), gzipSync('[[entries]]\ntext = "binary survives"\n'));
    git(reg, 'add', '-A');
    git(reg, 'commit', '-q', '-m', 'made by an older Nox');
    writeFileSync(path.join(reg, 'agents.toml'), '[agents.a1]\nmodel = "sonnet"\n');
    git(reg, 'add', '-A');
    git(reg, 'commit', '-q', '-m', 'a later change');
  });

  after(async () => {
    up?.kill();
    await dropPrefix(prefix);
    rmSync(root, { recursive: true, force: true });
  });

  const startUp = async (): Promise<{ url: string; output: string }> => {
    const port = await freePort();
    up = spawnNox(['up'], { NOX_REGISTRY_DIR: reg, NOX_SECRETS_FILE: secretsFile, REDIS_URL: redisUrl(), NOX_REDIS_PREFIX: prefix, NOX_PORT: String(port), NOX_HOST_ID: 'sec-up', LOG_LEVEL: 'warn' });
    const [, url] = (await up.waitFor(/nox is up at (http:\/\/\S+)/, 60_000)) as RegExpMatchArray;
    return { url: url!, output: up.output() };
  };
  const stopUp = async (): Promise<void> => {
    up!.child.kill('SIGINT');
    await up!.exited();
    up = undefined;
  };

  it('moves the secrets out, rotates the key, and never shows or pushes an old secret until the history is purged', async () => {
    const { url, output } = await startUp();
    const adminHashLine = readFileSync(secretsFile, 'utf8').match(/admin = "(scrypt\$[^"]+)"/);
    const secretValues = [OLD_KEY, WEBHOOK, 'webhooksecretvalue42', adminHashLine![1]!];

    // said once, on stdout
    expect(output).to.match(/JWT signing key was in the registry's git history, so a new key was generated/);
    expect(output).to.match(/moved auth\.jwt_secret, auth\.users\[admin\]\.password_hash, approvals\.webhook_url/);
    expect(output).to.match(/purge-secrets/);

    // the secrets file: 0600 in a 0700 folder that git ignores; system-config.toml holds none
    expect(statSync(secretsFile).mode & 0o777).to.equal(0o600);
    expect(statSync(path.dirname(secretsFile)).mode & 0o777).to.equal(0o700);
    expect(readFileSync(path.join(path.dirname(secretsFile), '.gitignore'), 'utf8')).to.match(/^\*$/m);
    const config = readFileSync(path.join(reg, 'system-config.toml'), 'utf8');
    for (const s of secretValues) expect(config).not.to.include(s);
    const newKey = /jwt_secret = "([^"]+)"/.exec(readFileSync(secretsFile, 'utf8'))![1]!;
    expect(newKey).not.to.equal(OLD_KEY);
    secretValues.push(newKey);

    // old tokens die; the admin's password still works
    const oldToken = signToken(OLD_KEY, { sub: 'admin', role: 'admin' }, { expiresIn: '1h' });
    expect((await fetch(`${url}/api/auth/me`, { headers: { authorization: `Bearer ${oldToken}` } })).status).to.equal(401);
    const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'old admin pass' }) });
    expect(login.status).to.equal(200);
    const admin = ((await login.json()) as { token: string }).token;
    const viewer = signToken(newKey, { sub: 'vera', role: 'viewer' }, { expiresIn: '1h' });
    const get = async (p: string, token = viewer): Promise<string> => {
      const res = await fetch(`${url}${p}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, p).to.equal(200);
      return res.text();
    };

    // a viewer reads every commit and its diff: no secret value anywhere
    const readEverything = async (): Promise<string> => {
      const history = await get('/api/registry/history?limit=1000');
      const shas = (JSON.parse(history) as { commits: { sha: string }[] }).commits.map((c) => c.sha);
      expect(shas.length).to.be.at.least(3); // the two old commits and the writer's commit of the cleaned file
      let all = history;
      for (const sha of shas) all += await get(`/api/registry/commits/${sha}`);
      return all;
    };
    const seen = await readEverything();
    expect(seen).to.include('jwt_secret'); // the old commit's diff is served ...
    for (const s of secretValues) expect(seen, 'a secret value in what a viewer reads').not.to.include(s); // ... without its value

    // while the history holds secrets nothing is pushed
    const refused = await fetch(`${url}/api/registry/backup`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(refused.status).to.equal(409);
    expect(await refused.text()).to.match(/purge-secrets/);
    expect(git(bare, 'for-each-ref').trim()).to.equal('');

    // rewriting history is an admin's act, with consent
    const cli = { NOX_REGISTRY_DIR: reg, NOX_SECRETS_FILE: secretsFile, REDIS_URL: redisUrl(), NOX_REDIS_PREFIX: prefix, LOG_LEVEL: 'silent' };
    const unasked = await fetch(`${url}/api/registry/purge-secrets`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: '{}' });
    expect(unasked.status).to.equal(400);
    const operator = signToken(newKey, { sub: 'olaf', role: 'operator' }, { expiresIn: '1h' });
    const byOperator = await fetch(`${url}/api/registry/purge-secrets`, { method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' }, body: '{"confirm":true}' });
    expect(byOperator.status).to.equal(403);
    const noConsent = spawnNox(['registry', 'purge-secrets'], cli);
    await noConsent.exited();
    expect(noConsent.output()).to.match(/nothing changed/);
    expect(git(reg, 'log', '-p', '--all')).to.include(OLD_KEY);

    const binaryBefore = git(reg, 'rev-parse', 'HEAD:agents/a1/conversations/2026-01-01.toml.gz').trim();
    const changesBefore = git(reg, 'log', '--all', '--format=%(trailers:key=Nox-Change,valueonly)').split('\n').filter(Boolean).sort();
    // a version of system-config.toml that held the old key (found by content: the writer's
    // batched audit commits move HEAD, so no fixed HEAD~n names it)
    const oldBlob = git(reg, 'log', '--all', '--format=%H', '--', 'system-config.toml')
      .split('\n')
      .filter(Boolean)
      .map((sha) => git(reg, 'rev-parse', `${sha}:system-config.toml`).trim())
      .find((blob) => git(reg, 'cat-file', 'blob', blob).includes(OLD_KEY));
    expect(oldBlob, 'a version of system-config.toml with the old key').to.be.a('string');
    const purge = spawnNox(['registry', 'purge-secrets', '--yes', '--as', 'admin'], cli);
    expect((await purge.exited()).code, purge.output()).to.equal(0);
    expect(purge.output()).to.match(/rewrote [1-9]\d* version\(s\) of system-config\.toml/);

    const history = git(reg, 'log', '-p', '--all');
    for (const s of secretValues) expect(history, 'a secret value in the rewritten history').not.to.include(s);
    expect(() => git(reg, 'cat-file', '-t', oldBlob!)).to.throw();
    expect(git(reg, 'rev-parse', 'HEAD:agents/a1/conversations/2026-01-01.toml.gz').trim()).to.equal(binaryBefore);
    // every change survives the rewrite (the writer may have committed a batch of its own meanwhile)
    expect(git(reg, 'log', '--all', '--format=%(trailers:key=Nox-Change,valueonly)').split('\n').filter(Boolean)).to.include.members(changesBefore);
    expect(git(reg, 'status', '--porcelain')).to.equal('');
    git(reg, 'fsck', '--strict', '--no-dangling');

    // now the backup goes, and the remote holds no secret either
    const pushed = await fetch(`${url}/api/registry/backup`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(pushed.status, await pushed.clone().text()).to.equal(200);
    const remote = git(bare, 'log', '-p', '--all');
    expect(remote).to.include('backup_remote');
    for (const s of secretValues) expect(remote, 'a secret value in the backup').not.to.include(s);

    // the key is rotated once: a second start says nothing about it and keeps the new key
    await stopUp();
    const again = await startUp();
    expect(again.output).not.to.match(/new key was generated|purge-secrets|moved /);
    expect(/jwt_secret = "([^"]+)"/.exec(readFileSync(secretsFile, 'utf8'))![1]).to.equal(newKey);
    expect(existsSync(path.join(reg, '.nox-secrets'))).to.equal(false);
    await stopUp();
  });
});
