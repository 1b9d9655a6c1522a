import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { projectRoot } from './version.js';

/**
 * How to start another Nox entry point (the CLI, the agents' tools server, the MCP endpoint client)
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
  return { command: process.execPath, args: ['--import', tsxLoaderUrl(), path.join(root, `${entry}.ts`), ...args] };
}

/**
 * The files of the Nox install that a child started by selfCommand reads — and no more: an
 * agent's sandbox shows these read-only, never the whole project folder, which may hold the
 * registry, the secrets file or CI scratch (docs/SANDBOX.md). Built: package.json,
 * node_modules and dist/; from source: the rooms those entry points import (shared/,
 * workers/; test/architecture/rooms.test.ts keeps them from importing api/ or bin/) and
 * tsconfig.json.
 */
export function selfCommandFiles(): string[] {
  const root = projectRoot();
  const fromDist = !runningFromSource && existsSync(path.join(root, 'dist'));
  const parts = fromDist ? ['dist'] : ['shared', 'workers', 'tsconfig.json'];
  return ['package.json', 'node_modules', ...parts].map((p) => path.join(root, p));
}

let loaderUrl: string | undefined;

/**
 * tsx's `--import` entry (its package.json `exports["."]`) as an absolute file URL. A bare
 * `--import tsx` is resolved from the child's working folder, and the Claude CLI starts MCP
 * servers in the agent's workdir, where there is no node_modules/tsx.
 * (createRequire, not import.meta.resolve: under mocha, tsx may load this file as CommonJS.)
 */
function tsxLoaderUrl(): string {
  if (loaderUrl) return loaderUrl;
  const require = createRequire(path.join(projectRoot(), 'package.json'));
  const manifestPath = require.resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: Record<string, unknown> };
  const entry = manifest.exports?.['.'];
  const rel = typeof entry === 'string' ? entry : ((entry as { import?: string } | undefined)?.import ?? (entry as { default?: string } | undefined)?.default);
  loaderUrl = rel ? pathToFileURL(path.join(path.dirname(manifestPath), rel)).href : 'tsx';
  return loaderUrl;
}
