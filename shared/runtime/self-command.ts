import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from './version.js';

/**
 * How to start another Nox entry point (the CLI, the agents' tools server, the MCP bridge)
 * as a child process. Built code runs with plain node from dist/; sources (tests, `tsx`)
 * run through tsx's loader. `entry` is relative to the project root, without extension:
 * `bin/cli`, `workers/tools-server/main`.
 */
export interface Command {
  command: string;
  args: string[];
}

const runningFromSource = fileURLToPath(import.meta.url).endsWith('.ts');

export function selfCommand(entry: string, args: string[] = []): Command {
  const root = projectRoot();
  if (!runningFromSource) {
    const built = path.join(root, 'dist', `${entry}.js`);
    if (existsSync(built)) return { command: process.execPath, args: [built, ...args] };
  }
  return { command: process.execPath, args: ['--import', 'tsx', path.join(root, `${entry}.ts`), ...args] };
}
