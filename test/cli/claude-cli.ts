import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real `claude` CLI for the conformance suites: where test/cli/install-claude.sh puts
 * the pinned version (or CLAUDE_CLI_BIN), and the environment that points it at a scripted
 * Messages API on loopback with no other traffic (docs/AGENTS.md, "Tests").
 */
export const CLAUDE_BIN =
  process.env.CLAUDE_CLI_BIN ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '.claude-cli', 'node_modules', '.bin', 'claude');

/** Suites FAIL (never skip) when the binary is missing. */
export function assertClaudeInstalled(): void {
  if (!existsSync(CLAUDE_BIN)) throw new Error(`the real claude CLI is not installed at ${CLAUDE_BIN}: run test/cli/install-claude.sh (or set CLAUDE_CLI_BIN)`);
}

export function offlineClaudeEnv(apiUrl: string): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: apiUrl,
    ANTHROPIC_API_KEY: 'sk-ant-fake-key-for-tests',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
  };
}
