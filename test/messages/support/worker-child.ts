/**
 * A worker host (every role `nox worker` runs but the registry writer and MCP:
 * test/support/test-worker.ts) as a child process a test can SIGKILL. Config: the registry
 * folder in NOX_REGISTRY_DIR and dotted-path overrides as JSON in NOX_TEST_OVERRIDES.
 * Prints `worker ready <hostId>` once it takes jobs.
 */
import { loadConfig } from '../../../shared/config/load-config.js';
import { createLogger } from '../../../shared/logger.js';
import { createContext } from '../../../shared/runtime/context.js';
import { startTestWorker } from '../../support/test-worker.js';

const config = loadConfig({ registryDir: process.env.NOX_REGISTRY_DIR, env: {}, overrides: JSON.parse(process.env.NOX_TEST_OVERRIDES ?? '{}') as Record<string, unknown> });
const ctx = createContext({ config, role: 'worker', logger: createLogger({ level: config.log.level }) });
const worker = await startTestWorker(ctx);
process.stdout.write(`worker ready ${worker.id}\n`);
process.on('SIGTERM', () => {
  void (async () => {
    await worker.stop();
    await ctx.close();
    process.exit(0);
  })();
});
