import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readConfigFile, writeConfigFile } from '../../shared/config/config-file.js';
import type { NoxConfig } from '../../shared/config/schema.js';
import { closeRedis, createRedis } from '../../shared/redis.js';
import { selfCommand } from '../../shared/runtime/self-command.js';
import { sandboxReadiness } from '../../workers/agents/sandbox/readiness.js';

/**
 * Where `nox up --demo` runs and how it is set up (docs/DEMO.md). The demo is a Nox of its
 * own: its own folder (registry, secrets, the agents' work) and its own Redis key prefix, so
 * it never touches a real registry, secrets file or fleet, whatever NOX_REGISTRY_DIR,
 * NOX_SECRETS_FILE or NOX_REDIS_PREFIX say. Every start begins from nothing, so the story
 * plays from its first step; the folder carries a marker, and a folder without it is never
 * emptied.
 */
export interface DemoSettings {
  /** NOX_DEMO_DIR, default `./.nox-demo` */
  dir: string;
  registryDir: string;
  /** NOX_DEMO_REDIS_PREFIX, default `{nox-demo}` */
  prefix: string;
  /** NOX_DEMO_APPROVE_AFTER_MS: the demo approves its own question after this long without a person's decision; 0 waits for a person */
  approveAfterMs: number;
  /** NOX_DEMO_PACE_MS: each demo agent's pause before each step */
  paceMs: number;
}

export const DEMO_MARKER = '.nox-demo';
const DEFAULT_APPROVE_AFTER_MS = 20_000;
const DEFAULT_PACE_MS = 1500;

export function demoSettings(env: NodeJS.ProcessEnv = process.env): DemoSettings {
  const dir = path.resolve(env.NOX_DEMO_DIR || '.nox-demo');
  const ms = (name: string, fallback: number): number => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number of milliseconds (0 or more), not "${value}"`);
    return n;
  };
  return {
    dir,
    registryDir: path.join(dir, 'registry'),
    prefix: env.NOX_DEMO_REDIS_PREFIX || '{nox-demo}',
    approveAfterMs: ms('NOX_DEMO_APPROVE_AFTER_MS', DEFAULT_APPROVE_AFTER_MS),
    paceMs: ms('NOX_DEMO_PACE_MS', DEFAULT_PACE_MS),
  };
}

/**
 * Empties the demo folder (refusing one that is not the demo's, or a demo that is running)
 * and points this process and the children `nox up` starts at it.
 */
export function prepareDemoFolder(s: DemoSettings, env: NodeJS.ProcessEnv = process.env): void {
  if (existsSync(s.dir) && readdirSync(s.dir).length > 0) {
    if (!existsSync(path.join(s.dir, DEMO_MARKER))) {
      throw new Error(`${s.dir} is not a demo folder (it has no ${DEMO_MARKER} marker) and is not empty: the demo starts from an empty folder. Set NOX_DEMO_DIR to another folder.`);
    }
    const running = runningPid(path.join(s.registryDir, '.runtime', 'up.json'));
    if (running) throw new Error(`a demo is already running in ${s.dir} (pid ${running}); stop it first, or set NOX_DEMO_DIR to another folder`);
    rmSync(s.dir, { recursive: true, force: true });
  }
  mkdirSync(s.dir, { recursive: true });
  writeFileSync(path.join(s.dir, DEMO_MARKER), 'Made by `nox up --demo`, which empties this folder at every start (docs/DEMO.md).\n');
  env.NOX_REGISTRY_DIR = s.registryDir;
  // where they are by default for this registry (so `NOX_REGISTRY_DIR=.nox-demo/registry nox approve …`
  // finds them), set explicitly so that a NOX_SECRETS_FILE meant for a real setup is never used
  env.NOX_SECRETS_FILE = path.join(s.dir, '.nox-secrets', 'secrets.toml');
  env.NOX_AGENT_WORKSPACE_ROOT = path.join(s.dir, '.nox-work');
  env.NOX_REDIS_PREFIX = s.prefix;
  // the terminal tells the story (the `demo:` lines); the logs say only what goes wrong, unless asked for more
  if (!env.LOG_LEVEL && !env.NOX_LOG_LEVEL) env.LOG_LEVEL = 'warn';
}

/**
 * The demo's agent program (bin/demo/demo-agent.ts, or its build in dist/) as agent.command,
 * shown read-only to the agents' sandbox. Written into the demo registry's
 * system-config.toml, which the API and the worker read at their start.
 */
export function writeDemoConfig(s: DemoSettings): void {
  const program = selfCommand('bin/demo/demo-agent');
  const script = program.args[program.args.length - 1]!;
  const current = readConfigFile(s.registryDir);
  const agent = (current.agent ?? {}) as Record<string, unknown>;
  writeConfigFile(s.registryDir, {
    ...current,
    agent: { ...agent, command: program.command, args: program.args, sandbox_read: [path.dirname(script)], env: { NOX_DEMO_PACE_MS: String(s.paceMs) } },
  }, '# Made by `nox up --demo` (docs/DEMO.md): the demo agents are bin/demo/demo-agent.ts, no model behind them.');
}

/**
 * Agents run sandboxed when this machine can (bubblewrap and socat, docs/SANDBOX.md). When it
 * cannot, the demo runs them unsandboxed rather than not at all — they are Nox's own
 * program, which runs no command — and says so; real agents would refuse to start.
 */
export async function demoSandbox(config: NoxConfig, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const ready = await sandboxReadiness(config);
  if (ready.ready) return undefined;
  env.NOX_AGENT_SANDBOX = 'off';
  return `${ready.problem}: the demo agents run unsandboxed (they are Nox's own stand-in program and run no command). Real agents need it: ${ready.fix}`;
}

/** Removes what an earlier demo left under its prefix in a Redis Nox did not start itself. */
export async function clearDemoKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = createRedis(redisUrl, 'blocking');
  let removed = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) removed += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await closeRedis(redis);
  }
  return removed;
}

function runningPid(file: string): number | undefined {
  try {
    const { pid } = JSON.parse(readFileSync(file, 'utf8')) as { pid?: number };
    if (!pid) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}
