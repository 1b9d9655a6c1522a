import { spawn, type ChildProcess } from 'node:child_process';
import { selfCommand } from '../../shared/runtime/self-command.js';
import { testSecretsFile, testWorkspaceRoot } from './harness.js';

/**
 * Runs the real `nox` CLI (from sources, through tsx) as a child process and keeps what
 * it prints, so tests can wait for a line and kill it however they need.
 */
export interface NoxProcess {
  child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running (for after hooks) */
  kill(): void;
}

/** `nodeArgs`: flags for node itself, before the script (e.g. `--cpu-prof`). */
export function spawnNox(args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []): NoxProcess {
  const cmd = selfCommand('bin/cli', args);
  // each registry its own secrets file (see testSecretsFile), unless the test names one
  const secrets = env.NOX_REGISTRY_DIR && env.NOX_SECRETS_FILE === undefined ? { NOX_SECRETS_FILE: testSecretsFile(env.NOX_REGISTRY_DIR) } : {};
  // and its own agents' workspace root (see testWorkspaceRoot)
  const work = env.NOX_REGISTRY_DIR && env.NOX_AGENT_WORKSPACE_ROOT === undefined ? { NOX_AGENT_WORKSPACE_ROOT: testWorkspaceRoot(env.NOX_REGISTRY_DIR) } : {};
  const child = spawn(cmd.command, [...nodeArgs, ...cmd.args], { env: { ...process.env, ...secrets, ...work, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const onData = (chunk: Buffer): void => {
    text += chunk.toString();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => text,
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = text.match(pattern);
        if (m) return m;
        if (child.exitCode !== null) throw new Error(`nox ${args.join(' ')} exited (${child.exitCode}) before printing ${pattern}:\n${text}`);
        if (Date.now() > deadline) throw new Error(`nox ${args.join(' ')} did not print ${pattern} within ${timeoutMs} ms:\n${text}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    exited: () => exit,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
