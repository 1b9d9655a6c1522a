import { findSessionFile } from './session-mirror.js';

/**
 * Whether the CLI has already written a session, i.e. whether the next start must use
 * `--resume <id>` rather than `--session-id <id>` (a used id is refused as "already in
 * use"; resuming an unknown one fails). Sessions live at
 * `$CLAUDE_CONFIG_DIR/projects/<cwd-slug>/<session_id>.jsonl` (docs/AGENTS.md, "The process"); every
 * project folder is looked at, so a change in how the CLI slugs the cwd does not matter.
 */
export function sessionExists(configDir: string, sessionId: string): boolean {
  return findSessionFile(configDir, sessionId) !== undefined;
}
