#!/usr/bin/env node
// Builds the dashboard (dashboard/ with its Vite config) when it exists; part of `npm run
// build`, which npm's prepare step runs on install.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const config = new URL('../dashboard/vite.config.ts', import.meta.url);
if (!existsSync(config)) {
  process.stdout.write('dashboard: no dashboard/vite.config.ts yet; skipping\n');
  process.exit(0);
}
const result = spawnSync('npx', ['vite', 'build', '--config', 'dashboard/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
