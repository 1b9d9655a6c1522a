import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, type Engine } from '../../../shared/mcp/engine.js';
import { listManagedContainers, stopAndRemove } from '../../../workers/mcp/engine/containers.js';
import { ensureTestImage } from '../../fixtures/mcp/build-image.js';

/**
 * The real engine for the MCP tests. DOCKER_HOST wins (CI sets it, or a developer's own
 * Docker); when it is unset the tests start Podman's API service through .ci/podman/start.sh
 * so that `npm test` works on this machine. When no engine can be had, the suite FAILS
 * with the reason — it never skips.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let shared: Promise<{ engine: Engine; dockerHost: string; image: string }> | undefined;

export function testEngine(): Promise<{ engine: Engine; dockerHost: string; image: string }> {
  shared ??= (async () => {
    let dockerHost = process.env.DOCKER_HOST;
    if (!dockerHost) {
      try {
        dockerHost = execFileSync(path.join(root, '.ci/podman/start.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
      } catch (err) {
        const stderr = String((err as { stderr?: unknown }).stderr ?? '');
        throw new Error(`MCP tests need a Docker-API engine: DOCKER_HOST is unset and .ci/podman/start.sh failed:\n${stderr}`);
      }
    }
    const engine = createEngine({ dockerHost });
    try {
      await engine.ping();
    } catch (err) {
      throw new Error(`MCP tests need a Docker-API engine and ${dockerHost} does not answer: ${(err as Error).message}`);
    }
    const image = await ensureTestImage(engine);
    return { engine, dockerHost, image };
  })();
  return shared;
}

/** Removes every managed container labelled with a test's own host id (cleanup for `after` hooks). */
export async function removeAgentContainers(engine: Engine, hostId: string): Promise<void> {
  const left = await listManagedContainers(engine, { host: hostId });
  await Promise.all(left.map((c) => stopAndRemove(engine, c.id, { graceSeconds: 0 })));
}
