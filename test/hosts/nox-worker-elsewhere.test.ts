import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listHosts } from '../../shared/hosts/host-directory.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import { dropPrefix, redisUrl, TEST_SECRET, testConfig, testContext, uniquePrefix, waitUntil } from '../support/harness.js';
import { spawnNox, type NoxProcess } from '../support/processes.js';

/**
 * `nox worker` on "another machine" (issue 15, item 1), as a user would start it: only the
 * Redis URL, a host id and an empty folder. Before any writer has published it waits and
 * says so; once the writer publishes, it runs with the registry's system-config.toml — the
 * shared part: `[agent]` applies, while the writer machine's `[redis]` and `[worker]`
 * tables do not (they would point it at another Redis and give it another host's size).
 */
describe('hosts: `nox worker` with an empty folder takes the registry and its config from Redis', function () {
  this.timeout(90_000);
  let writerCtx: NoxContext | undefined;
  let writer: RegistryWriter | undefined;
  let worker: NoxProcess | undefined;
  const prefix = uniquePrefix();
  const machine = mkdtempSync(path.join(tmpdir(), 'nox-machine-'));

  after(async () => {
    if (worker && worker.child.exitCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited();
    }
    await writer?.close();
    await dropPrefix(prefix);
    if (writerCtx) {
      rmSync(writerCtx.config.registryDir, { recursive: true, force: true });
      await writerCtx.close();
    }
    rmSync(machine, { recursive: true, force: true });
  });

  it('waits for the writer, then registers with the shared config and its own machine tables', async () => {
    const registryDir = path.join(machine, '.nox-registry');
    worker = spawnNox(['worker'], { REDIS_URL: redisUrl(), NOX_REDIS_PREFIX: prefix, NOX_HOST_ID: 'elsewhere-b', NOX_JWT_SECRET: TEST_SECRET, NOX_REGISTRY_DIR: registryDir, LOG_LEVEL: 'info' });
    await worker.waitFor(/waiting for the registry writer/, 30_000);

    writerCtx = testContext(testConfig({ prefix }), 'worker');
    // machine a's config: an [agent] setting every host shares, and machine a's own tables
    writeFileSync(path.join(writerCtx.config.registryDir, 'system-config.toml'), '[agent]\nsandbox = "off"\n\n[worker]\ncapacity = 7\nlabels = { machine = "a" }\n\n[redis]\nurl = "redis://10.255.255.1:6390"\n');
    writer = await startRegistryWriter(writerCtx, { watchTasks: false });

    await worker.waitFor(/worker host started/, 30_000);
    let host: Awaited<ReturnType<typeof listHosts>>[number] | undefined;
    await waitUntil(async () => {
      host = (await listHosts(writerCtx!.redis, writerCtx!.keys)).find((h) => h.id === 'elsewhere-b' && h.alive && h.sandbox !== undefined);
      return host !== undefined;
    }, 20_000);
    expect(host!.sandbox!.mode, '[agent] from the published config').to.equal('off');
    expect(host!.capacity, 'not machine a’s [worker] capacity').to.equal(10);
    expect(host!.labels).to.deep.equal({});
    expect(worker.output()).to.include('system-config.toml from the registry writer');
    expect(existsSync(path.join(registryDir, 'system-config.toml'))).to.equal(false);
  });
});
