import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../shared/config/load-config.js';
import { ConfigError } from '../../shared/errors/config-error.js';

describe('config validation', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nox-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (text: string): void => writeFileSync(path.join(dir, 'system-config.toml'), text);
  const failure = (env: NodeJS.ProcessEnv = {}): ConfigError => {
    try {
      loadConfig({ registryDir: dir, env });
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      return err as ConfigError;
    }
    throw new Error('loadConfig accepted an invalid configuration');
  };

  it('applies the documented defaults when there is no file', () => {
    const config = loadConfig({ registryDir: dir, env: {} });
    expect(config.api.port).to.equal(3000);
    expect(config.redis.prefix).to.equal('{nox}');
    expect(config.worker.capacity).to.equal(10);
    expect(config.registryDir).to.equal(path.resolve(dir));
  });

  it('names the file, line and column of broken TOML', () => {
    write('[api]\nport = 3000\nhost = "unterminated\n');
    const err = failure();
    expect(err.code).to.equal('nox:config-invalid');
    expect(err.message).to.include('system-config.toml').and.to.match(/line 3/);
  });

  it('names the field, the reason and the source file of a bad value', () => {
    write('[api]\nport = 70000\n[worker]\ncapacity = -1\n');
    const err = failure();
    expect(err.message).to.match(/api\.port: .*65535/);
    expect(err.message).to.match(/worker\.capacity: /);
    expect(err.message).to.include(path.join(dir, 'system-config.toml'));
  });

  it('refuses unknown keys so that typos do not pass silently', () => {
    write('[api]\nprot = 3000\n');
    expect(failure().message).to.match(/api: unknown key\(s\) prot/);
  });

  it('names the environment variable when an override is bad', () => {
    expect(failure({ NOX_PORT: 'eighty' }).message).to.include('NOX_PORT');
    expect(failure({ REDIS_URL: 'http://localhost' }).message).to.match(/redis\.url: .* \(from env REDIS_URL\)/);
  });

  it('lets the environment override the file', () => {
    write('[api]\nport = 4000\n');
    const config = loadConfig({ registryDir: dir, env: { NOX_PORT: '4100', NOX_WORKER_LABELS: 'zone=a,gpu=no' } });
    expect(config.api.port).to.equal(4100);
    expect(config.worker.labels).to.deep.equal({ zone: 'a', gpu: 'no' });
  });

  it('checks relations between fields', () => {
    write('[worker]\nheartbeat_interval_ms = 5000\nheartbeat_ttl_ms = 1000\n');
    expect(failure().message).to.match(/worker\.heartbeat_ttl_ms: .*greater than heartbeat_interval_ms/);
  });

  it('refuses a short JWT secret and a password hash that is not scrypt, in the secrets file', () => {
    const secrets = path.join(dir, '.runtime', 'secrets.toml');
    mkdirSync(path.dirname(secrets), { recursive: true });
    writeFileSync(secrets, '[auth]\njwt_secret = "short"\n[auth.password_hashes]\nbob = "plain"\n');
    write('[[auth.users]]\nname = "bob"\nrole = "admin"\n');
    const message = (() => {
      try {
        loadConfig({ registryDir: dir, secretsFile: secrets, env: {} });
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    })();
    expect(message).to.include(secrets);
    expect(message).to.match(/auth\.jwt_secret: .*32/);
    expect(message).to.match(/auth\.password_hashes\.bob: .*scrypt/);
  });

  it('refuses secrets written into system-config.toml and says where they belong', () => {
    write('[auth]\njwt_secret = "a-long-enough-secret-a-long-enough-secret"\n[[auth.users]]\nname = "bob"\nrole = "admin"\npassword_hash = "scrypt$1$1$1$AA$AA"\n[approvals]\nwebhook_url = "https://hooks.example/T/B/x"\n');
    const message = failure().message;
    expect(message).to.match(/holds secret field\(s\): auth\.jwt_secret, auth\.users\[bob\]\.password_hash, approvals\.webhook_url/);
    expect(message).to.match(/\.nox-secrets\/secrets\.toml/);
    expect(message).to.match(/nox up/);
  });
});
