import type { PermissionGate } from './approvals/permission-gate.js';
import type { NoxContext } from '../shared/runtime/context.js';
import { createAgentHost, type AgentHost } from './agents/agent-host.js';
import { startWorkerHost, type WorkerHost, type WorkerHostOptions } from './host.js';
import { createMessagingHost, type MessagingHost } from './messages/messaging-host.js';
import { createTaskHost, type TaskHost } from './tasks/task-host.js';

/**
 * A worker host with the areas that run agents' work, wired and started in their order:
 * agents (spawn queue, host commands, health monitor, adoption), messaging (routing,
 * delivery to this host's agents) and tasks (the tasks queue, deadlines, markdown edits).
 * `extra` adds other areas' queues (approvals, MCP); `nox worker` and the tests' worker
 * hosts are built with it, so they run what production runs.
 */
export interface AgentWorkHost {
  readonly host: WorkerHost;
  readonly agents: AgentHost;
  readonly messaging: MessagingHost;
  readonly tasks: TaskHost;
  /** stops delivery, the tasks loops and the host (its agents and workers), in that order */
  stop(): Promise<void>;
}

export async function startAgentWorkHost(ctx: NoxContext, extra: WorkerHostOptions = {}, options: { permissions?: PermissionGate } = {}): Promise<AgentWorkHost> {
  const messaging = createMessagingHost(ctx);
  const tasks = createTaskHost(ctx);
  const agents = createAgentHost(
    ctx,
    {
      ...extra,
      sharedQueues: { ...extra.sharedQueues, ...messaging.hostOptions.sharedQueues, tasks: tasks.handlers },
      hostHandlers: { ...extra.hostHandlers, ...messaging.hostOptions.hostHandlers },
    },
    options,
  );
  const host = await startWorkerHost(ctx, agents.hostOptions);
  await agents.attach(host);
  await messaging.attach(agents.manager);
  await tasks.start();
  return {
    host,
    agents,
    messaging,
    tasks,
    async stop() {
      messaging.deliverer?.stop();
      await tasks.stop();
      await host.close(); // stops the health monitor and the agents before it deregisters
      await messaging.stop();
    },
  };
}
