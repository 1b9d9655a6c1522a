import { execa } from 'execa';
import type { NoxConfig } from '../../../shared/config/schema.js';
import { publishHostSandbox } from '../../../shared/hosts/host-directory.js';
import { errorFields, type Logger } from '../../../shared/logger.js';
import type { NoxContext } from '../../../shared/runtime/context.js';
import type { HostSandbox } from '../../../shared/types.js';
import { SAFE_PATH } from './agent-env.js';
import { findProgram } from './program-path.js';
import { sandboxReadiness } from './readiness.js';

/**
 * What a worker host says about its agents' sandbox when it starts (issue 14, item 6): in
 * its log — loudly when agents will run unsandboxed on purpose, or cannot start because the
 * sandbox does not work — and in its registration, where `nox doctor` and the dashboard's
 * header read it (HostSandbox). Also the agent program's version, since a host that cannot
 * run `claude --version` will not run agents either.
 */
const VERSION_TIMEOUT_MS = 15_000;

export async function hostSandboxReport(config: NoxConfig): Promise<HostSandbox> {
  const off = config.agent.sandbox === 'off';
  const [readiness, version] = await Promise.all([off ? undefined : sandboxReadiness(config), agentCommandVersion(config)]);
  return {
    mode: config.agent.sandbox,
    ready: off || readiness?.ready === true,
    ...(readiness?.problem ? { problem: readiness.problem } : {}),
    ...(readiness?.fix ? { fix: readiness.fix } : {}),
    ...(readiness?.version ? { version: readiness.version } : {}),
    agentCommand: [config.agent.command, ...config.agent.args].join(' '),
    agentCommandVersion: version,
    agentCredentials: agentCredentialNames(config, process.env),
    checkedAt: new Date().toISOString(),
  };
}

/** Checks, logs and publishes; never throws (a host without a sandbox still serves everything else). */
export async function announceHostSandbox(ctx: NoxContext, hostId: string, logger: Logger): Promise<HostSandbox | undefined> {
  try {
    const report = await hostSandboxReport(ctx.config);
    if (report.mode === 'off') {
      logger.warn('AGENTS RUN UNSANDBOXED: agent.sandbox = "off". Every agent (and whatever a prompt makes it run) can read what the worker reads and reach what it reaches. Set agent.sandbox = "bubblewrap" (docs/SANDBOX.md).', { hostId });
    } else if (!report.ready) {
      logger.error(`AGENTS CANNOT START ON THIS HOST: ${report.problem}. Fix: ${report.fix}`, { hostId });
    } else {
      logger.info('agents run sandboxed', { hostId, sandbox: report.version });
    }
    await publishHostSandbox(ctx.redis, ctx.keys, hostId, report);
    return report;
  } catch (err) {
    logger.warn('could not check or publish the agents sandbox', errorFields(err));
    return undefined;
  }
}

/** The first line `<command> <args> --version` prints, or why it could not run. */
export async function agentCommandVersion(config: NoxConfig): Promise<string> {
  const program = findProgram(config.agent.command);
  if (!program) return `not found: ${config.agent.command} is not on PATH`;
  const run = await execa(program.path, [...config.agent.args, '--version'], { reject: false, timeout: VERSION_TIMEOUT_MS, env: { PATH: SAFE_PATH, HOME: '/nonexistent' }, extendEnv: false, stdin: 'ignore' });
  const line = (run.stdout || run.stderr || '').trim().split('\n')[0] ?? '';
  return run.exitCode === 0 && line ? line : `did not run: ${line || run.shortMessage}`;
}

// The agents' CLAUDE_CONFIG_DIR is their own, so a login in the worker's ~/.claude does not
// reach them: these variables (from the worker's environment or agent.env) are what does.
const CREDENTIALS = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN', 'CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX'];

/** Which model credentials the agents will be given: names only, values never leave the host. */
export function agentCredentialNames(config: NoxConfig, hostEnv: NodeJS.ProcessEnv): string[] {
  return CREDENTIALS.filter((name) => Boolean(config.agent.env[name] || hostEnv[name]));
}
