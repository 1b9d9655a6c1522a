import { rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { NoxConfig } from '../../shared/config/schema.js';
import { createRegistryClient, type RegistryClient } from '../../shared/registry/registry-client.js';
import { waitForRedis } from '../../shared/redis.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { startRegistryWriter, type RegistryWriter, type RegistryWriterOptions } from '../../workers/registry/registry-writer.js';
import { testConfig, testContext, type TestConfigOptions, dropPrefix } from './harness.js';

/**
 * A registry writer and a client on a fresh temp registry folder (a real git repository)
 * and a fresh key prefix. `cleanup()` stops both and removes the folder and the keys.
 */
export interface RegistryFixture {
  config: NoxConfig;
  dir: string;
  writerCtx: NoxContext;
  clientCtx: NoxContext;
  writer: RegistryWriter;
  client: RegistryClient;
  git(...args: string[]): string;
  /** start another writer (after stopping the first), for restart tests */
  restartWriter(options?: RegistryWriterOptions): Promise<RegistryWriter>;
  cleanup(): Promise<void>;
}

export async function startRegistry(options: TestConfigOptions & { writer?: RegistryWriterOptions; startWriter?: boolean } = {}): Promise<RegistryFixture> {
  const config = testConfig({
    ...options,
    overrides: { 'registry.flush_interval_ms': 200, 'registry.writer_lease_ms': 1500, ...options.overrides },
  });
  const writerCtx = testContext(config, 'worker');
  const clientCtx = testContext(config, 'api');
  await waitForRedis(clientCtx.redis);
  const writerOptions: RegistryWriterOptions = { worker: { lockDuration: 2000, stalledInterval: 500 }, ...options.writer };
  let writer = options.startWriter === false ? (undefined as unknown as RegistryWriter) : await startRegistryWriter(writerCtx, writerOptions);
  const client = createRegistryClient(clientCtx);
  const fixture: RegistryFixture = {
    config,
    dir: config.registryDir,
    writerCtx,
    clientCtx,
    get writer() {
      return writer;
    },
    client,
    git: (...args) => execFileSync('git', args, { cwd: config.registryDir, encoding: 'utf8' }),
    async restartWriter(opts) {
      await writer?.close();
      writer = await startRegistryWriter(writerCtx, { ...writerOptions, ...opts });
      return writer;
    },
    async cleanup() {
      await client.close();
      await writer?.close();
      await dropPrefix(config.redis.prefix);
      await writerCtx.close();
      await clientCtx.close();
      rmSync(config.registryDir, { recursive: true, force: true });
    },
  };
  return fixture;
}
