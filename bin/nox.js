#!/usr/bin/env node
// Launcher for the `nox` command: runs the built CLI (dist/, made by `npm install`'s
// prepare step); falls back to the TypeScript sources through tsx when there is no build
// or NOX_FROM_SOURCE=1 (development).
import { existsSync } from 'node:fs';

const built = new URL('../dist/bin/cli.js', import.meta.url);
if (existsSync(built) && process.env.NOX_FROM_SOURCE !== '1') {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('./cli.ts', import.meta.url).href);
}
