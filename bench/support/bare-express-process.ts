/** Starts bench/support/bare-express.ts in a process of its own; `stop()` ends it. */
import { spawn } from 'node:child_process';
import { selfCommand } from '../../shared/runtime/self-command.js';

export interface BareExpress {
  url: string;
  pid: number;
  stop(): void;
}

export async function startBareExpress(env: NodeJS.ProcessEnv = {}): Promise<BareExpress> {
  const cmd = selfCommand('bench/support/bare-express');
  const child = spawn(cmd.command, cmd.args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`bare express exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => void child.kill('SIGTERM') };
}
