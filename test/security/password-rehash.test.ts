import { expect } from 'chai';
import { randomBytes, scryptSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'smol-toml';
import { verifyPassword } from '../../shared/auth/passwords.js';
import { startStack, testSecretsFile, type Stack } from '../support/harness.js';

/**
 * Hashes made by an older Nox (scrypt N = 2^14) are cheaper to crack than OWASP's N = 2^17
 * today. They must keep working — and be replaced, in the secrets file, by a hash at the
 * current cost the next time their owner logs in (a wrong password changes nothing).
 */
describe('security: a login with an old-cost password hash', function () {
  this.timeout(30_000);
  let stack: Stack;
  let secretsFile: string;
  const oldHash = (password: string): string => {
    const salt = randomBytes(16);
    const hash = scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1 });
    return ['scrypt', 16384, 8, 1, salt.toString('base64'), hash.toString('base64')].join('$');
  };
  const storedHash = (): string => (parse(readFileSync(secretsFile, 'utf8')) as { auth: { password_hashes: Record<string, string> } }).auth.password_hashes.alice as string;
  const login = (password: string) => stack.call('POST', '/api/auth/login', { body: { username: 'alice', password } });

  before(async () => {
    const registryDir = mkdtempSync(path.join(tmpdir(), 'nox-rehash-'));
    writeFileSync(path.join(registryDir, 'system-config.toml'), '[[auth.users]]\nname = "alice"\nrole = "operator"\n');
    secretsFile = testSecretsFile(registryDir);
    mkdirSync(path.dirname(secretsFile), { recursive: true });
    writeFileSync(secretsFile, `[auth.password_hashes]\nalice = "${oldHash('correct horse')}"\n`, { mode: 0o600 });
    stack = await startStack({ withHost: false, registryDir });
  });
  after(() => stack.cleanup());

  it('succeeds and rewrites the hash with N = 131072; the new hash logs in', async () => {
    const before = storedHash();
    expect((await login('wrong')).status).to.equal(401);
    expect(storedHash(), 'a failed login rewrites nothing').to.equal(before);

    expect((await login('correct horse')).status).to.equal(200);
    const after = storedHash();
    expect(after).to.match(/^scrypt\$131072\$8\$1\$/);
    expect(await verifyPassword('correct horse', after)).to.equal(true);
    expect(statSync(secretsFile).mode & 0o777).to.equal(0o600);

    expect((await login('correct horse')).status, 'the directory re-read the file').to.equal(200);
    expect(storedHash(), 'a current hash is left alone').to.equal(after);
  });
});
