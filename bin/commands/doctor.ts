import { signToken } from '../../shared/auth/tokens.js';
import { listHosts } from '../../shared/hosts/host-directory.js';
import type { HostInfo } from '../../shared/types.js';
import { makeKeys } from '../../shared/keys.js';
import { readSecretsFile } from '../../shared/config/secrets.js';
import { closeRedis, createRedis, DEFAULT_REDIS_URL, redactRedisUrl, redisUrlOf, waitForRedis, withPassword } from '../../shared/redis.js';
import { readRuntime } from '../api-client.js';
import { configOrExit } from '../boot.js';

/**
 * `nox doctor`: is Redis there, which hosts are alive and how they sandbox their agents,
 * does the API answer, and does a ping make the whole round trip. Exit code 0 only when
 * all of it works (agents unsandboxed on purpose is a WARN, not a failure).
 */
export interface DoctorOptions {
  url?: string;
}

interface Check {
  name: string;
  ok: boolean;
  /** works, but someone chose to run it unsafely: said loudly, not a failure */
  warn?: boolean;
  detail: string;
}

export async function runDoctor(options: DoctorOptions): Promise<number> {
  const config = configOrExit();
  const runtime = readRuntime(config.registryDir);
  const redisUrl = config.redis.url
    ? redisUrlOf(config.redis)
    : withPassword(runtime.redisUrl ?? DEFAULT_REDIS_URL, runtime.localRedis ? readSecretsFile(config.secretsFile).redis.local_password : undefined);
  const apiUrl = options.url ?? runtime.apiUrl ?? `http://127.0.0.1:${config.api.port}`;
  const checks: Check[] = [];

  const redis = createRedis(redisUrl, 'command');
  redis.on('error', () => undefined);
  try {
    await waitForRedis(redis, 3000);
    const t0 = performance.now();
    await redis.ping();
    checks.push({ name: 'redis', ok: true, detail: `${redactRedisUrl(redisUrl)} answers (${(performance.now() - t0).toFixed(1)} ms)` });
    const hosts = await listHosts(redis, makeKeys(config.redis.prefix));
    const alive = hosts.filter((h) => h.alive);
    checks.push({
      name: 'hosts',
      ok: alive.length > 0,
      detail: alive.length > 0 ? `${alive.length} alive: ${alive.map((h) => `${h.id} (${h.running}/${h.capacity})`).join(', ')}` : 'no worker host is alive',
    });
    for (const host of alive) checks.push(sandboxCheck(host), ...agentCommandChecks(host));
  } catch (err) {
    checks.push({ name: 'redis', ok: false, detail: `${redactRedisUrl(redisUrl)}: ${(err as Error).message}` });
  } finally {
    await closeRedis(redis);
  }

  const secret = config.auth.jwt_secret;
  try {
    const health = await fetch(`${apiUrl}/health`);
    checks.push({ name: 'api', ok: health.ok, detail: `${apiUrl} answers ${health.status}` });
    if (!secret) throw new Error('no auth.jwt_secret configured; cannot mint a token for the ping');
    const token = signToken(secret, { sub: 'nox-doctor', role: 'admin' }, { expiresIn: '1m' });
    const res = await fetch(`${apiUrl}/api/system/ping`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    const body = (await res.json()) as { hostId?: string; timings?: { totalMs: number }; detail?: string };
    checks.push({
      name: 'ping',
      ok: res.ok,
      detail: res.ok ? `round trip via ${body.hostId} in ${body.timings?.totalMs} ms` : `${res.status}: ${body.detail}`,
    });
  } catch (err) {
    checks.push({ name: 'api', ok: false, detail: `${apiUrl}: ${(err as Error).message}` });
  }

  for (const c of checks) process.stdout.write(`${c.ok ? (c.warn ? 'WARN' : 'ok  ') : 'FAIL'} ${c.name.padEnd(7)} ${c.detail}\n`);
  return checks.every((c) => c.ok) ? 0 : 1;
}

/**
 * How a live host runs its agents (docs/SANDBOX.md), from what it published at start: in a
 * working sandbox (ok), unsandboxed on purpose (WARN: loud, but the operator chose it), or
 * unable to start them (FAIL, with the reason and the fix). With the agent program's
 * version; a program that does not run is a WARN (agents would crash, nothing is exposed).
 */
function sandboxCheck(host: HostInfo): Check {
  const s = host.sandbox;
  const name = 'sandbox';
  if (!s) return { name, ok: true, warn: true, detail: `${host.id}: has not reported its agents' sandbox yet (still checking, or an older Nox)` };
  const runs = !/^(not found|did not run)/.test(s.agentCommandVersion);
  const program = `agent command ${s.agentCommand}: ${s.agentCommandVersion}`;
  if (s.mode === 'off') return { name, ok: true, warn: true, detail: `${host.id}: AGENTS RUN UNSANDBOXED (agent.sandbox = "off"); ${program}` };
  if (!s.ready) return { name, ok: false, detail: `${host.id}: agents cannot start: ${s.problem}. Fix: ${s.fix}; ${program}` };
  return { name, ok: true, warn: !runs, detail: `${host.id}: ${s.version ?? 'bubblewrap'}; ${program}` };
}

/**
 * Will agents run at all on this host (issue 18, item 2): the agent command found (a WARN with
 * the fix when it is not), and model credentials given to the agents (WARN without: the
 * bundled demo agents need none, a real `claude` does).
 */
function agentCommandChecks(host: HostInfo): Check[] {
  const s = host.sandbox;
  if (!s) return [];
  const checks: Check[] = [];
  if (s.agentCommandVersion.startsWith('not found')) {
    // a WARN like the sandbox's program line: nothing is exposed, and the API, queues and
    // dashboard still work (a fresh machine without `claude` can run the demo's stand-ins)
    checks.push({ name: 'agent', ok: true, warn: true, detail: `${host.id}: \`${s.agentCommand}\` not found: install it with \`npm install -g @anthropic-ai/claude-code\` or set agent.command` });
  } else {
    checks.push({ name: 'agent', ok: true, warn: s.agentCommandVersion.startsWith('did not run'), detail: `${host.id}: ${s.agentCommand}: ${s.agentCommandVersion}` });
  }
  if (s.agentCredentials) {
    const has = s.agentCredentials.length > 0;
    checks.push({ name: 'model', ok: true, warn: !has, detail: has ? `${host.id}: agents get ${s.agentCredentials.join(', ')}` : `${host.id}: no model credentials for the agents: set ANTHROPIC_API_KEY for the worker host (or in agent.env)` });
  }
  return checks;
}
