import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../shared/config/load-config.js';
import { ConfigError } from '../../shared/errors/config-error.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { scrapeAccess } from '../../shared/metrics/scrape-access.js';
import { testContext, testConfig } from '../support/harness.js';
import { startTestWorker } from '../support/test-worker.js';
import { startStack, type Stack } from '../support/harness.js';
import type { NoxWorker } from '../../workers/worker-assembly.js';
import type { NoxContext } from '../../shared/runtime/context.js';

const TOKEN = 'scrape-token-0123456789abcdef';

describe('metrics: who may scrape /metrics', function () {
  this.timeout(30_000);

  describe('from outside metrics.allow (the API and a worker host)', () => {
    // loopback is the only way this test can reach the servers, so it plays "outside" by
    // allowing only a network the test is not on
    const overrides = { 'metrics.allow': ['10.99.0.0/16'], 'metrics.scrape_token': TOKEN, 'worker.metrics_port': 0 };
    let stack: Stack;
    let workerCtx: NoxContext;
    let worker: NoxWorker;
    before(async () => {
      stack = await startStack({ withHost: false, overrides });
      workerCtx = testContext(testConfig({ prefix: stack.config.redis.prefix, registryDir: stack.config.registryDir, overrides }), 'worker');
      worker = await startTestWorker(workerCtx, { approvalSweep: false, agentRequests: false });
    });
    after(async () => {
      await worker.stop();
      await workerCtx.close();
      await stack.cleanup();
    });

    const urls = (): string[] => [`${stack.api.url}/metrics`, `http://127.0.0.1:${worker.metricsServer!.port}/metrics`];

    it('refuses a scrape without the token: 403 problem+json nox:metrics-forbidden, no figures', async () => {
      for (const url of urls()) {
        const res = await fetch(url);
        expect(res.status, url).to.equal(403);
        expect(res.headers.get('content-type')).to.match(/application\/problem\+json/);
        const body = (await res.json()) as { code: string };
        expect(body.code).to.equal(ERROR_CODE.metricsForbidden);
      }
    });

    it('refuses a wrong token, and a Nox admin JWT (the scrape token is its own credential)', async () => {
      for (const url of urls()) {
        expect((await fetch(url, { headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}x` } })).status).to.equal(403);
        expect((await fetch(url, { headers: { authorization: `Bearer ${TOKEN}extra` } })).status).to.equal(403);
      }
      const admin = await stack.call('GET', '/metrics', { role: 'admin' });
      expect(admin.status).to.equal(403);
    });

    it('answers the scrape token with the exposition', async () => {
      for (const url of urls()) {
        const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
        expect(res.status, url).to.equal(200);
        expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
        expect(await res.text()).to.match(/^nox_process_cpu_seconds_total\{/m);
      }
    });

    it('a worker host answers nothing else on its metrics port', async () => {
      const res = await fetch(`http://127.0.0.1:${worker.metricsServer!.port}/`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).to.equal(404);
    });
  });

  describe('the allowlist', () => {
    it('matches addresses by prefix, IPv4-mapped IPv6 as IPv4, and nothing without an address', () => {
      const access = scrapeAccess({ allow: ['10.1.0.0/16', '::1/128'] });
      expect(access.allowed('10.1.200.3', undefined)).to.equal(true);
      expect(access.allowed('::ffff:10.1.2.3', undefined)).to.equal(true);
      expect(access.allowed('10.2.0.1', undefined)).to.equal(false);
      expect(access.allowed('::1', undefined)).to.equal(true);
      expect(access.allowed('127.0.0.1', undefined)).to.equal(false);
      expect(access.allowed(undefined, undefined)).to.equal(false);
      // no token configured: a bearer header is no way in
      expect(access.allowed('192.0.2.1', 'Bearer ')).to.equal(false);
    });
  });

  describe('the scrape token is a secret', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'nox-metrics-config-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('is refused in system-config.toml, and read from the secrets file', () => {
      writeFileSync(path.join(dir, 'system-config.toml'), `[metrics]\nscrape_token = "${TOKEN}"\n`);
      expect(() => loadConfig({ registryDir: dir, env: {} })).to.throw(ConfigError, /metrics\.scrape_token/);
      writeFileSync(path.join(dir, 'system-config.toml'), `[metrics]\nallow = ["10.0.0.0/8"]\n`);
      const secrets = path.join(dir, 'secrets', 'secrets.toml');
      mkdirSync(path.dirname(secrets));
      writeFileSync(secrets, `[metrics]\nscrape_token = "${TOKEN}"\n`, { mode: 0o600 });
      const config = loadConfig({ registryDir: dir, env: {}, secretsFile: secrets });
      expect(config.metrics.scrape_token).to.equal(TOKEN);
      expect(config.metrics.allow).to.deep.equal(['10.0.0.0/8']);
    });

    it('an allowlist entry that is not an address with a prefix is a clear config error', () => {
      writeFileSync(path.join(dir, 'system-config.toml'), `[metrics]\nallow = ["localhost"]\n`);
      expect(() => loadConfig({ registryDir: dir, env: {} })).to.throw(ConfigError, /metrics\.allow\.0: must be an address with a prefix length/);
    });
  });

});
