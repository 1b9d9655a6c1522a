/**
 * A worker host with the agents, messaging and tasks areas, as a child process a test can
 * SIGKILL. Config: the registry folder in NOX_REGISTRY_DIR and dotted-path overrides as
 * JSON in NOX_TEST_OVERRIDES. Prints `worker ready <hostId>` once it takes jobs.
 */
import { loadConfig } from '../../../shared/config/load-config.js';
import { createLogger } from '../../../shared/logger.js';
import { createContext } from '../../../shared/runtime/context.js';
import { createAgentHost } from '../../../workers/agents/agent-host.js';
import { startWorkerHost } from '../../../workers/host.js';
import { createMessagingHost } from '../../../workers/messages/messaging-host.js';
import { createTaskHost } from '../../../workers/tasks/task-host.js';

const config = loadConfig({ registryDir: process.env.NOX_REGISTRY_DIR, env: {}, overrides: JSON.parse(process.env.NOX_TEST_OVERRIDES ?? '{}') as Record<string, unknown> });
const ctx = createContext({ config, role: 'worker', logger: createLogger({ level: config.log.level }) });
const messaging = createMessagingHost(ctx);
const tasks = createTaskHost(ctx);
const agents = createAgentHost(ctx, { sharedQueues: { ...messaging.hostOptions.sharedQueues, tasks: tasks.handlers }, hostHandlers: messaging.hostOptions.hostHandlers });
const host = await startWorkerHost(ctx, agents.hostOptions);
await agents.attach(host);
await messaging.attach(agents.manager);
await tasks.start();
process.stdout.write(`worker ready ${host.id}\n`);
process.on('SIGTERM', () => {
  void (async () => {
    messaging.deliverer?.stop();
    await tasks.stop();
    await host.close();
    await messaging.stop();
    await ctx.close();
    process.exit(0);
  })();
});
