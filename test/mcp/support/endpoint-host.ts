import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { signToken } from '../../../shared/auth/tokens.js';
import type { NoxConfig } from '../../../shared/config/schema.js';
import { McpServiceNotAllowedError } from '../../../shared/errors/mcp-errors.js';
import { createLogger } from '../../../shared/logger.js';
import type { Engine } from '../../../shared/mcp/engine.js';
import type { McpRunSpecInput } from '../../../shared/mcp/run-spec.js';
import { agentRunDir } from '../../../workers/agents/claude-cli/command-line.js';
import { createEndpointHost, type McpEndpointHost, type OpenedEndpoints, type ResolvedSession } from '../../../workers/mcp/endpoint/agent-endpoints.js';
import { agentTokenFile } from '../../../workers/tools-server/mcp-entry.js';
import { NODE_MOUNT } from '../../fixtures/mcp/build-image.js';
import { TEST_SECRET, testConfig } from '../../support/harness.js';
import { removeAgentContainers, testEngine } from './engine.js';

/**
 * The worker host's MCP endpoints on their own (endpoint/agent-endpoints.ts), against the
 * real engine, with a registry folder and host id of the test's own and the host's logs
 * captured. What each agent may run is set by the test (`give`), in place of the catalog.
 */
export interface TestEndpoints {
  config: NoxConfig;
  hostId: string;
  host: McpEndpointHost;
  image: string;
  /** the run spec of the test image for an agent (the echo server, the host's node mounted) */
  spec(agentId: string, extra?: Partial<McpRunSpecInput>): McpRunSpecInput;
  /** lets the agent run `service` as `resolved` from now on */
  give(agentId: string, service: string, resolved: ResolvedSession): void;
  /** the service is no longer given to the agent (disabled in the catalog, say) */
  withdraw(agentId: string, service: string): void;
  /** writes a fresh agent token to the agent's token file, as an agent start does; returns it */
  writeToken(agentId: string, token?: string): string;
  /** give + writeToken + open: the agent's --mcp-config entries for these services */
  open(agentId: string, services: Record<string, ResolvedSession>): OpenedEndpoints;
  /** the host's log lines, parsed */
  logs(): Array<Record<string, unknown> & { message: string }>;
  cleanup(): Promise<void>;
}

export async function startTestEndpoints(options: { engine?: Engine; overrides?: Record<string, unknown> } = {}): Promise<TestEndpoints> {
  const { engine: realEngine, image } = await testEngine();
  const engine = options.engine ?? realEngine;
  const hostId = `t-host-${randomBytes(4).toString('hex')}`;
  const config = testConfig({ overrides: { 'mcp.stop_timeout_s': 2, ...options.overrides } });
  const stream = new PassThrough();
  let logText = '';
  stream.on('data', (c: Buffer) => (logText += c.toString('utf8')));
  const logger = createLogger({ level: 'debug', stream });
  const given = new Map<string, ResolvedSession>();
  const host = createEndpointHost({
    config,
    engine,
    logger,
    runDir: (agentId) => agentRunDir(config, agentId),
    tokenFile: (agentId) => agentTokenFile(config, agentId),
    resolve: (agentId, service) => {
      const resolved = given.get(`${agentId}/${service}`);
      if (!resolved) throw new McpServiceNotAllowedError(service, agentId);
      return resolved;
    },
  });
  const give: TestEndpoints['give'] = (agentId, service, resolved) => void given.set(`${agentId}/${service}`, resolved);
  const writeToken: TestEndpoints['writeToken'] = (agentId, token = signToken(TEST_SECRET, { sub: agentId, role: 'agent', agentId }, { expiresIn: '1h' })) => {
    const file = agentTokenFile(config, agentId);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    return token;
  };
  return {
    config,
    hostId,
    host,
    image,
    spec: (agentId, extra = {}) => ({ agentId, service: 'echo', hostId, image, limits: { memoryMb: 128, cpus: 0.5, pids: 64 }, mounts: [NODE_MOUNT], ...extra }),
    give,
    withdraw: (agentId, service) => void given.delete(`${agentId}/${service}`),
    writeToken,
    open(agentId, services) {
      for (const [service, resolved] of Object.entries(services)) give(agentId, service, resolved);
      writeToken(agentId);
      return host.open(agentId, Object.keys(services).map((service) => ({ service, server: service })));
    },
    logs: () =>
      logText
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown> & { message: string }),
    async cleanup() {
      await host.close();
      await removeAgentContainers(realEngine, hostId);
      rmSync(config.registryDir, { recursive: true, force: true });
    },
  };
}
