import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { answersPing, freePort } from '../../bin/local-redis.js';
import { defaultApiWorkers } from '../../bin/commands/up.js';
import { spawnNox, type NoxProcess } from '../support/processes.js';

describe('nox up', function () {
  this.timeout(60_000);
  let dir: string;
  let up: NoxProcess | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nox-up-'));
  });
  afterEach(() => {
    up?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts its own redis-server on a free port when none is configured or answering, runs, and stops it on Ctrl-C', async () => {
    const closed = await freePort();
    const apiPort = await freePort();
    up = spawnNox(['up'], {
      NOX_REGISTRY_DIR: dir,
      REDIS_URL: '',
      NOX_LOCAL_REDIS_PROBE: `redis://127.0.0.1:${closed}`,
      NOX_PORT: String(apiPort),
      NOX_HOST_ID: 'up-test',
      LOG_LEVEL: 'warn',
    });
    const [, redisUrl] = (await up.waitFor(/redis: started redis-server \(pid \d+\) at (redis:\/\/\S+)/)) as RegExpMatchArray;
    const [, apiUrl] = (await up.waitFor(/nox is up at (http:\/\/\S+)/, 45_000)) as RegExpMatchArray;
    const [, password] = (await up.waitFor(/password: (\S+)/)) as RegExpMatchArray;
    expect(redisUrl).not.to.include(`:${closed}`);
    // its own redis-server requires the password kept in the secrets file; without it, nothing
    const port = /:(\d+)$/.exec(redisUrl!)![1];
    const localPassword = /local_password = "([^"]+)"/.exec(readFileSync(path.join(dir, '.runtime', 'secrets.toml'), 'utf8'))![1]!;
    expect(redisUrl).not.to.include(localPassword);
    expect(await answersPing(`redis://127.0.0.1:${port}`, 500)).to.equal(false);
    expect(await answersPing(`redis://:${encodeURIComponent(localPassword)}@127.0.0.1:${port}`, 500)).to.equal(true);
    expect(apiUrl).to.equal(`http://127.0.0.1:${apiPort}`);
    expect(existsSync(path.join(dir, 'system-config.toml'))).to.equal(true);
    expect(existsSync(path.join(dir, '.runtime', 'up.json'))).to.equal(true);

    // the printed admin password works, and the whole path answers a ping
    const login = await fetch(`${apiUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).to.equal(200);
    const { token } = (await login.json()) as { token: string };
    const ping = await fetch(`${apiUrl}/api/system/ping`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(ping.status).to.equal(200);
    expect(((await ping.json()) as { hostId: string }).hostId).to.equal('up-test');

    // the signing key and the admin's hash are in the 0600 secrets file, never in the registry's git
    const secrets = readFileSync(path.join(dir, '.runtime', 'secrets.toml'), 'utf8');
    expect(statSync(path.join(dir, '.runtime', 'secrets.toml')).mode & 0o777).to.equal(0o600);
    const key = /jwt_secret = "([^"]+)"/.exec(secrets)![1]!;
    const hash = /admin = "(scrypt\$[^"]+)"/.exec(secrets)![1]!;
    const history = execFileSync('git', ['log', '-p', '--all'], { cwd: dir, encoding: 'utf8' });
    expect(history).to.include('system-config.toml').and.to.include('name = "admin"');
    expect(history).not.to.include(key);
    expect(history).not.to.include(hash);

    // `nox doctor` from another terminal finds this Nox through .runtime/up.json
    const doctor = spawnNox(['doctor'], { NOX_REGISTRY_DIR: dir, REDIS_URL: '', NOX_PORT: String(apiPort) });
    expect((await doctor.exited()).code, doctor.output()).to.equal(0);
    expect(doctor.output()).to.match(/ok\s+redis/).and.to.match(/ok\s+hosts\s+1 alive: up-test/).and.to.match(/ok\s+ping\s+round trip via up-test/);
    // how the host sandboxes its agents, and the agent program's version (`claude` may not be on this machine's PATH: a WARN)
    expect(doctor.output()).to.match(/(ok|WARN)\s+sandbox\s+up-test: bubblewrap \d+\.\d+\.\d+; agent command claude: /);

    up.child.kill('SIGINT');
    const { code } = await up.exited();
    expect(code).to.equal(0);
    expect(await answersPing(`redis://:${encodeURIComponent(localPassword)}@127.0.0.1:${port}`, 300)).to.equal(false);
    expect(existsSync(path.join(dir, '.runtime', 'up.json'))).to.equal(false);
    // AOF is on and its data lives inside the registry folder
    expect(readdirSync(path.join(dir, '.runtime', 'redis')).join(' ')).to.match(/appendonly/);
  });

  it('runs one API node per core but two (the worker host and Redis share the machine), at least one', () => {
    expect([1, 2, 3, 4, 8, 16].map((cores) => defaultApiWorkers(cores))).to.deep.equal([1, 1, 1, 2, 6, 14]);
  });

  it('starts a child that dies again instead of stopping everything', async () => {
    const closed = await freePort();
    const apiPort = await freePort();
    up = spawnNox(['up'], {
      NOX_REGISTRY_DIR: dir,
      REDIS_URL: '',
      NOX_LOCAL_REDIS_PROBE: `redis://127.0.0.1:${closed}`,
      NOX_PORT: String(apiPort),
      NOX_HOST_ID: 'up-restart',
      // a dead host's id is free again soon (the new worker takes the same id)
      NOX_HEARTBEAT_INTERVAL_MS: '300',
      NOX_HEARTBEAT_TTL_MS: '1500',
      LOG_LEVEL: 'warn',
    });
    const [, apiUrl] = (await up.waitFor(/nox is up at (http:\/\/\S+)/, 45_000)) as RegExpMatchArray;
    const [, password] = (await up.waitFor(/password: (\S+)/)) as RegExpMatchArray;
    const runtime = JSON.parse(readFileSync(path.join(dir, '.runtime', 'up.json'), 'utf8')) as { children: { api: number; worker: number } };
    process.kill(runtime.children.worker, 'SIGKILL');
    await up.waitFor(/nox worker exited \(SIGKILL\); starting it again/);
    const login = await fetch(`${apiUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    const { token } = (await login.json()) as { token: string };
    // the API stayed up the whole time, and a ping goes through the new worker host
    const deadline = Date.now() + 40_000;
    let status = 0;
    while (Date.now() < deadline) {
      const ping = await fetch(`${apiUrl}/api/system/ping`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      status = ping.status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(status, up.output()).to.equal(200);
    const after = JSON.parse(readFileSync(path.join(dir, '.runtime', 'up.json'), 'utf8')) as { children: { api: number; worker: number } };
    expect(after.children.api).to.equal(runtime.children.api);
    expect(after.children.worker).not.to.equal(runtime.children.worker);
    up.child.kill('SIGINT');
    expect((await up.exited()).code).to.equal(0);
  });

  it('says how to get Redis when there is none and no redis-server binary', async () => {
    const closed = await freePort();
    up = spawnNox(['up'], {
      NOX_REGISTRY_DIR: dir,
      REDIS_URL: '',
      NOX_LOCAL_REDIS_PROBE: `redis://127.0.0.1:${closed}`,
      NOX_REDIS_SERVER: path.join(dir, 'no-such-redis-server'),
    });
    const { code } = await up.exited();
    expect(code).to.equal(3);
    expect(up.output()).to.match(/no `redis-server` binary/).and.to.match(/apt-get install redis-server/);
  });
});
