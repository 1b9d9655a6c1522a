import type { AgentEvent } from './claude-cli/protocol.js';
import type { ExitInfo } from './process-runner.js';

/**
 * Failures no restart can mend (issue 18, item 2): the agent command is missing or not
 * runnable on this host, or the CLI is not logged in. Such an exit is not a crash: the agent
 * goes `failed` at once with a reason a newcomer can act on, instead of five restarts and a
 * circuit-breaker message that hides the cause in a log line.
 */

const INSTALL_HINT = 'install it with `npm install -g @anthropic-ai/claude-code` or set agent.command';

/** The agent command is not there (or not runnable) on this host: no restart would find it. */
export class AgentCommandError extends Error {
  constructor(command: string, hostId: string) {
    super(`\`${command}\` not found on host ${hostId}: ${INSTALL_HINT}`);
    this.name = 'AgentCommandError';
  }
}

export const isAgentCommandError = (err: unknown): err is AgentCommandError => err instanceof AgentCommandError;

/** The reason a process that never ran gives, or undefined for an ordinary exit. */
export function spawnFailureReason(exit: ExitInfo, command: string, hostId: string): string | undefined {
  switch (exit.spawnError) {
    case undefined:
      return undefined;
    case 'ENOENT':
      return `\`${command}\` not found on host ${hostId}: ${INSTALL_HINT}`;
    case 'EACCES':
      return `\`${command}\` on host ${hostId} is not executable: fix its permissions or set agent.command`;
    default:
      return `\`${command}\` could not be run on host ${hostId} (${exit.spawnError}): ${INSTALL_HINT}`;
  }
}

// What the CLI answers without credentials (seen: "Invalid API key · Please run /login", and
// "Not logged in"); it reports them as a result with is_error and subtype success.
const LOGIN_TEXT = /invalid api key|please run \/login|not logged in|oauth token (?:has )?expired|authentication_error/i;

/** The reason a result gives when the CLI cannot reach the model for want of credentials. */
export function loginFailureReason(event: Extract<AgentEvent, { kind: 'result' }>, hostId: string): string | undefined {
  if (!event.isError) return undefined;
  const text = [event.result, ...event.errors].filter((t): t is string => typeof t === 'string').join(' ');
  if (!LOGIN_TEXT.test(text)) return undefined;
  return `not logged in: set ANTHROPIC_API_KEY for the worker host ${hostId} (the CLI said: ${text.slice(0, 200)})`;
}
