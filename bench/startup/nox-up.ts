/**
 * Time from `npm start` (node bin/nox.js up, the built CLI) to healthy — the API answers
 * and a worker host is alive — on a fresh registry, with Nox's own redis-server child.
 * Usage: npm run bench -- startup [runs]   (needs `npm run build` first)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../bin/local-redis.js';
import { projectRoot } from '../../shared/runtime/version.js';
import { line, summarize } from '../support/stats.js';

async function once(): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nox-bench-up-'));
  const env = { ...process.env, NOX_REGISTRY_DIR: dir, REDIS_URL: '', NOX_LOCAL_REDIS_PROBE: `redis://127.0.0.1:${await freePort()}`, NOX_PORT: String(await freePort()), LOG_LEVEL: 'warn' };
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(projectRoot(), 'bin', 'nox.js'), 'up'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const elapsed = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (/nox is up at/.test(out)) resolve(performance.now() - t0);
    });
    child.once('exit', (code) => reject(new Error(`nox up exited ${code}: ${out}`)));
  });
  await new Promise<void>((r) => {
    child.once('exit', () => r());
    child.kill('SIGINT');
  });
  rmSync(dir, { recursive: true, force: true });
  return elapsed;
}

export async function run(args: string[]): Promise<void> {
  if (!existsSync(path.join(projectRoot(), 'dist', 'bin', 'cli.js'))) throw new Error('run `npm run build` first: this measures the built CLI');
  const runs = Number(args[0] ?? 5);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once());
  process.stdout.write(`${line('npm start → healthy (fresh registry)', summarize(samples))}\n`);
}
