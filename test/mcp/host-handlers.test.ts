import { randomBytes } from 'node:crypto';
import { QueueEvents } from 'bullmq';
import { expect } from 'chai';
import { buildContainerSpec } from '../../workers/mcp/engine/container-spec.js';
import { createContainer, listManagedContainers, startContainer } from '../../workers/mcp/engine/containers.js';
import { processIdentity } from '../../workers/mcp/engine/process-identity.js';
import { runSpecSchema } from '../../shared/mcp/run-spec.js';
import { PRIORITY } from '../../shared/queues/priority.js';
import { MCP_HOST_JOB } from '../../workers/mcp/host-handlers.js';
import type { NoxWorker } from '../../workers/worker-assembly.js';
import { NODE_MOUNT } from '../fixtures/mcp/build-image.js';
import { startStack, type Stack } from '../support/harness.js';
import { startTestWorker } from '../support/test-worker.js';
import { removeAgentContainers, testEngine } from './support/engine.js';

/**
 * Through a real worker host (built as `nox worker` builds it, MCP included) and its own
 * queue: a `mcp.kill-agent-containers` job removes that agent's containers on that host.
 */
describe('mcp host jobs: kill an agent’s containers through the host queue', function () {
  this.timeout(120_000);
  let stack: Stack | undefined;
  let worker: NoxWorker | undefined;
  let events: QueueEvents | undefined;
  const hostId = `t-host-${randomBytes(4).toString('hex')}`;

  afterEach(async () => {
    await events?.close();
    await worker?.stop();
    await stack?.cleanup();
    const { engine } = await testEngine();
    await removeAgentContainers(engine, hostId);
  });

  it('removes the named agent’s containers and leaves the others', async () => {
    const { engine, dockerHost, image } = await testEngine();
    stack = await startStack({ withHost: false, overrides: { 'worker.host_id': hostId, 'mcp.docker_host': dockerHost, 'mcp.stop_timeout_s': 1 } });
    // every agent counts as running, so the container watcher reaps none of the test's containers
    worker = await startTestWorker(stack.workerCtx, { mcp: { isAgentRunning: () => true } });
    expect(worker.mcp?.health().available).to.equal(true);

    const make = async (agentId: string): Promise<string> => {
      const spec = runSpecSchema.parse({
        agentId, service: 'echo', hostId, image, entrypoint: [], command: ['/bin/sleep', '300'],
        limits: { memoryMb: 64, cpus: 0.5, pids: 32 }, mounts: [NODE_MOUNT],
      });
      const id = await createContainer(engine, buildContainerSpec({ spec, owner: { process: processIdentity(), session: 'test' }, sourceEnv: {} }));
      await startContainer(engine, id);
      return id;
    };
    await make('a-gone');
    await make('a-gone');
    const kept = await make('a-kept');

    const queueName = stack.workerCtx.keys.hostQueue(hostId);
    events = new QueueEvents(queueName, { connection: stack.apiCtx.connect('blocking', 'test-events'), prefix: stack.apiCtx.keys.bullPrefix });
    events.on('error', () => undefined);
    await events.waitUntilReady();
    const job = await stack.apiCtx.queue(queueName).add(
      MCP_HOST_JOB.killAgentContainers,
      { agentId: 'a-gone', reason: 'agent-stopped', correlationId: 'c1', requestedBy: 'system' },
      { priority: PRIORITY.high },
    );
    const result = (await job.waitUntilFinished(events, 30_000)) as { removed: number };
    expect(result.removed).to.equal(2);
    expect((await listManagedContainers(engine, { host: hostId })).map((c) => c.id)).to.deep.equal([kept]);

    // A malformed job fails for good (no retries) and removes nothing.
    const bad = await stack.apiCtx.queue(queueName).add(MCP_HOST_JOB.killAgentContainers, { agentId: '../etc' }, { priority: PRIORITY.high, attempts: 3 });
    const err = await bad.waitUntilFinished(events, 30_000).then(() => undefined, (e: unknown) => e);
    expect(String((err as Error).message)).to.match(/bad mcp.kill-agent-containers job/);
    const failed = await stack.apiCtx.queue(queueName).getJob(bad.id!);
    expect(failed!.attemptsMade).to.equal(1);
    expect((await listManagedContainers(engine, { host: hostId })).map((c) => c.id)).to.deep.equal([kept]);
  });
});
