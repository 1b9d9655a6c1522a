import { McpNetworkPolicyError } from '../../../shared/errors/mcp-errors.js';
import { engineStatus, type Engine } from '../../../shared/mcp/engine.js';
import type { McpNetwork } from '../../../shared/mcp/run-spec.js';

/**
 * A service container gets network `none`, or one network the engine marks `Internal`
 * (no route out). A name alone is not trusted: the network is inspected before every
 * container creation, so a non-internal network (e.g. the default bridge) is refused
 * instead of silently giving the server the internet.
 */
export async function assertNetworkAllowed(engine: Engine, network: McpNetwork): Promise<void> {
  if (network === 'none') return;
  const name = network.internal;
  let info: { Internal?: boolean };
  try {
    info = (await engine.docker.getNetwork(name).inspect()) as { Internal?: boolean };
  } catch (err) {
    if (engineStatus(err) === 404) throw new McpNetworkPolicyError(name, 'does not exist on the engine');
    throw err;
  }
  if (info.Internal !== true) throw new McpNetworkPolicyError(name, 'is not internal');
}
