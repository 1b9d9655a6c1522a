import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../bin/local-redis.js';
import { signToken } from '../../shared/auth/tokens.js';
import { redisUrl, uniquePrefix, waitUntil, dropPrefix } from '../support/harness.js';
import { spawnNox, type NoxProcess } from '../support/processes.js';

/**
 * Issue 18, item 1: expected conditions — no container engine on the machine, no Redis yet
 * when Nox starts — are one log line that says what is off and how to turn it on: no stack
 * trace, no warning per failed request or per retrying connection. Read from what the real
 * processes print (JSON lines, as on a pipe).
 */
const SECRET = 'expected-conditions-secret-0123456789abcdef0123';

interface Entry {
  level: string;
  message: string;
  stack?: string;
  [field: string]: unknown;
}

/** the JSON log entries of an output (other lines, such as `nox up`'s own, are skipped) */
function entries(output: string): Entry[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Entry);
}

describe('expected conditions are one line that says what is off and how to turn it on', function () {
  this.timeout(90_000);
  let dir: string;
  let nox: NoxProcess | undefined;
  let redis: ChildProcess | undefined;
  const prefix = uniquePrefix();
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nox-expected-'));
  });
  afterEach(async () => {
    if (nox && nox.child.exitCode === null) {
      nox.child.kill('SIGINT');
      await Promise.race([nox.exited(), new Promise((r) => setTimeout(r, 20_000))]);
    }
    nox?.kill();
    nox = undefined;
    redis?.kill('SIGKILL');
    redis = undefined;
    await dropPrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('`nox up` on a machine without a container engine: one line for MCP services being off, no stack traces, no failed-request warnings', async () => {
    nox = spawnNox(['up'], {
      NOX_REGISTRY_DIR: dir,
      REDIS_URL: redisUrl(),
      NOX_REDIS_PREFIX: prefix,
      NOX_PORT: String(await freePort()),
      NOX_HOST_ID: 'expected-up',
      DOCKER_HOST: 'unix:///nonexistent/nox-test/docker.sock',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
    });
    await nox.waitFor(/nox is up at/, 60_000);
    await nox.waitFor(/"message":"worker host started"/, 30_000);
    // the host takes jobs before its last roles are up; the start is over once the writer runs
    await nox.waitFor(/"message":"registry writer started"/, 30_000);
    nox.child.kill('SIGINT');
    expect((await nox.exited()).code).to.equal(0);

    const logged = entries(nox.output());
    const mcp = logged.filter((e) => /container engine|MCP services/i.test(e.message));
    expect(mcp, nox.output()).to.have.length(1);
    expect(mcp[0]!.message).to.match(
      /^MCP services are off on this host: The container engine at unix:\/\/\/nonexistent\/nox-test\/docker\.sock does not answer: .*\. To turn them on, start Docker, or Podman's API service \(`podman system service`\), and point DOCKER_HOST or mcp\.docker_host at it \(docs\/MCP\.md\)$/,
    );
    expect(mcp[0]!.level).to.equal('info');
    expect(logged.filter((e) => e.stack !== undefined).map((e) => e.message), 'no stack traces').to.deep.equal([]);
    expect(logged.filter((e) => e.message === 'request failed'), 'no failed-request warnings').to.deep.equal([]);
    // a healthy start warns of nothing (the writer publishing the registry a moment after the API starts included)
    expect(logged.filter((e) => e.level === 'warn' || e.level === 'error').map((e) => e.message)).to.deep.equal([]);
  });

  it('`nox api` before its Redis runs: one line that Redis is not reachable and how to fix it, 503s meanwhile, one line when it answers', async () => {
    const port = await freePort();
    const apiPort = await freePort();
    nox = spawnNox(['api'], {
      NOX_REGISTRY_DIR: dir,
      REDIS_URL: `redis://127.0.0.1:${port}`,
      NOX_REDIS_PREFIX: prefix,
      NOX_PORT: String(apiPort),
      NOX_JWT_SECRET: SECRET,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
    });
    await nox.waitFor(/"message":"api listening"/, 30_000);
    await nox.waitFor(/Redis is not reachable at/, 15_000);
    const token = signToken(SECRET, { sub: 'tester', role: 'viewer' }, { expiresIn: '5m' });
    const ask = (): Promise<Response> => fetch(`http://127.0.0.1:${apiPort}/api/system/hosts`, { headers: { authorization: `Bearer ${token}` } });
    // a few requests while it is down: each is a 503 for the client, none a log line
    for (let i = 0; i < 3; i++) {
      const res = await ask();
      expect(res.status).to.equal(503);
      expect(((await res.json()) as { code: string }).code).to.equal('nox:redis-unavailable');
    }

    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await nox.waitFor(/Redis answers again at/, 30_000);
    await waitUntil(async () => (await ask()).status === 200, 15_000);

    const logged = entries(nox.output());
    const down = logged.filter((e) => /Redis is not reachable/.test(e.message));
    expect(down, nox.output()).to.have.length(1);
    expect(down[0]!.message).to.equal(
      `Redis is not reachable at redis://127.0.0.1:${port} (ECONNREFUSED): Nox waits and carries on by itself once it answers. Start redis-server there, or set REDIS_URL to a Redis that runs`,
    );
    expect(logged.filter((e) => /Redis answers again/.test(e.message))).to.have.length(1);
    expect(logged.filter((e) => e.stack !== undefined).map((e) => e.message), `no stack traces: ${nox.output().split('\n').filter((l) => l.includes('"stack"')).join('\n').slice(0, 3000)}`).to.deep.equal([]);
    expect(logged.filter((e) => /request failed|redis connection error|queue error/.test(e.message)).map((e) => e.message)).to.deep.equal([]);
  });
});
