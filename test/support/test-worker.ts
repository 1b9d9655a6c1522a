import type { NoxContext } from '../../shared/runtime/context.js';
import { startNoxWorker, type NoxWorker, type NoxWorkerOptions } from '../../workers/worker-assembly.js';

/**
 * A worker host for a test, built by the same assembly as `nox worker`
 * (workers/worker-assembly.ts), with one difference: no MCP services unless the options ask
 * for them (the suites in test/mcp/ do). Wired, MCP would make a host's behaviour depend on
 * whether the machine running the tests has a Docker-API engine (DOCKER_HOST, Docker's
 * socket). Every other role is on unless the test turns it off.
 */
export function startTestWorker(ctx: NoxContext, options: NoxWorkerOptions = {}): Promise<NoxWorker> {
  return startNoxWorker(ctx, { mcp: false, ...options });
}
