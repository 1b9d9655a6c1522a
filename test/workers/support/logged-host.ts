import { PassThrough } from 'node:stream';
import { createLogger } from '../../../shared/logger.js';
import { createContext, type NoxContext } from '../../../shared/runtime/context.js';
import { testConfig } from '../../support/harness.js';

/**
 * A worker host's context under `prefix` whose log lines are kept (JSON, info and up), with no
 * container engine; its registry folder goes into `dirs` for the caller to remove. For the
 * stop-during-start checks (stop-while-starting.test.ts and its loop, start-stop-loop.ts).
 */
export function loggedHostContext(prefix: string, hostId: string, dirs: string[]): { ctx: NoxContext; lines: string[] } {
  const config = testConfig({ prefix, overrides: { 'worker.host_id': hostId, 'mcp.docker_host': `unix:///tmp/nox-no-engine-${hostId}.sock` } });
  dirs.push(config.registryDir);
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
  return { ctx: createContext({ config, role: 'worker', logger: createLogger({ level: 'info', stream, format: 'json' }) }), lines };
}

/** what a part left running would log: a warning, an error, or a command on a closed connection */
export function complaints(lines: readonly string[]): string[] {
  return lines.filter((l) => /"level":"(warn|error)"/.test(l) || /Connection is closed/.test(l));
}
