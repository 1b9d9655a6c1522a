import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createLogger, errorFields, type LogLevel } from '../../shared/logger.js';
import { createEngine } from '../../shared/mcp/engine.js';
import { randomBytes } from 'node:crypto';
import { startContainerSession } from './container-session.js';
import { processIdentity } from './engine/process-identity.js';
import { bridgeArgs, type BridgeArgs } from './bridge-args.js';

/**
 * Entry of the MCP bridge process, started by an agent's CLI from its --mcp-config
 * (bridge-command.ts builds that entry). stdout carries JSON-RPC only: logs go to stderr.
 * Exit code 0 after a clean session, 1 when the container could not be run or removed,
 * 2 for bad arguments.
 */
const logger = createLogger({
  level: (process.env.NOX_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info') as LogLevel,
  base: { role: 'mcp-bridge' },
});

let args: BridgeArgs;
try {
  const { values } = parseArgs({
    options: {
      spec: { type: 'string' },
      'docker-host': { type: 'string' },
      'stop-timeout-s': { type: 'string' },
      'tmpfs-mb': { type: 'string' },
      'secrets-file': { type: 'string' },
    },
    strict: true,
  });
  args = bridgeArgs.parse({
    spec: JSON.parse(values.spec ?? 'null') as unknown,
    dockerHost: values['docker-host'],
    stopTimeoutS: values['stop-timeout-s'] === undefined ? undefined : Number(values['stop-timeout-s']),
    tmpfsMb: values['tmpfs-mb'] === undefined ? undefined : Number(values['tmpfs-mb']),
    secretsFile: values['secrets-file'],
  });
} catch (err) {
  const detail = err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message;
  logger.error('bad bridge arguments', { detail });
  process.exit(2);
}

// Secret values from the 0600 file (when given) join the environment the spec's `{ fromEnv }` read.
let sourceEnv: NodeJS.ProcessEnv = process.env;
if (args.secretsFile) {
  try {
    const secrets = z.record(z.string(), z.string()).parse(JSON.parse(readFileSync(args.secretsFile, 'utf8')));
    sourceEnv = { ...process.env, ...secrets };
  } catch (err) {
    logger.error('cannot read the secrets file', { file: args.secretsFile, ...errorFields(err) });
    process.exit(2);
  }
}

const bridge = startContainerSession({
  engine: createEngine({ dockerHost: args.dockerHost }),
  spec: args.spec,
  owner: { process: processIdentity(), session: randomBytes(8).toString('hex') },
  logger,
  input: process.stdin,
  output: process.stdout,
  sourceEnv,
  stopTimeoutS: args.stopTimeoutS,
  tmpfsMb: args.tmpfsMb,
});

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(signal, () => void bridge.stop(signal));
}

bridge.done.then(
  ({ failed }) => {
    // Let stdout drain: the server's last reply may still be in the pipe buffer.
    process.stdout.write('', () => process.exit(failed ? 1 : 0));
  },
  (err: unknown) => {
    logger.error('bridge failed', errorFields(err));
    process.exit(1);
  },
);
