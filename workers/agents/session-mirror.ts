import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { errorFields, type Logger } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';

/**
 * Sessions travel between machines (issue 15, item 3; docs/HOSTS.md "Sessions"). The CLI
 * keeps an agent's conversation in `$CLAUDE_CONFIG_DIR/projects/<cwd-slug>/<session>.jsonl`
 * on the disk of the host that ran it. So that the agent can continue on another host —
 * the same conversation, and the deliverer's exactly-once settlement, which reads that
 * transcript (workers/messages/deliverer.ts) — the transcript is mirrored to Redis
 * (keys.agentSession, gzipped) every time a turn ends and when the process exits, and
 * restored under the agent's CLI config folder on a host whose disk lacks it (or holds an
 * older copy) before the CLI is started with `--resume`.
 *
 * - Only whole lines are mirrored: a turn may already be appending the next lines.
 * - What was mirrored is what the session "is" elsewhere: a host that dies after a turn
 *   ended but before its mirror landed loses that turn's lines; the messages of that turn
 *   are then not in the restored transcript, so the deliverer hands them to the agent again,
 *   which reads them once in the session it continues.
 * - A transcript over `agent.session_mirror_max_bytes` is not mirrored: the old mirror is
 *   dropped (an older point of the conversation must not come back as the current one), and
 *   a warning says so; the agent then starts a new session if it moves.
 * - The sandbox shows the config folder at the same path inside (sandbox/mount-plan.ts),
 *   so the restored file is where the sandboxed CLI looks.
 */

export type RestoreOutcome = 'local' | 'restored' | 'none' | 'too-large';

/** The folder name the CLI gives a working folder under `projects/`: every character but letters and digits becomes `-`. */
export function projectSlug(cwd: string): string {
  let real = cwd;
  try {
    real = realpathSync(cwd);
  } catch {
    // not made yet: the path as given
  }
  return real.replace(/[^A-Za-z0-9]/g, '-');
}

/** The newest copy of a session's transcript under a config folder (any project folder), if any. */
export function findSessionFile(configDir: string, sessionId: string): string | undefined {
  const projects = path.join(configDir, 'projects');
  if (!sessionId || !existsSync(projects)) return undefined;
  let best: { file: string; mtime: number } | undefined;
  for (const dir of readdirSync(projects, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    const file = path.join(projects, dir.name, `${sessionId}.jsonl`);
    if (!existsSync(file)) continue;
    const mtime = statSync(file).mtimeMs;
    if (!best || mtime > best.mtime) best = { file, mtime };
  }
  return best?.file;
}

export interface SessionMirror {
  /** a turn ended or the process exited: mirror the transcript (serialised, never throws) */
  mirror(sessionId: string): Promise<void>;
}

export function createSessionMirror(ctx: NoxContext, agentId: string, configDir: string, hostId: string, logger: Logger): SessionMirror {
  const limit = ctx.config.agent.session_mirror_max_bytes;
  const key = ctx.keys.agentSession(agentId);
  let chain: Promise<void> = Promise.resolve();
  let last = '';
  let warnedAt = 0;

  const once = async (sessionId: string): Promise<void> => {
    const file = findSessionFile(configDir, sessionId);
    if (!file) return;
    const raw = readFileSync(file);
    const end = raw.lastIndexOf(0x0a) + 1; // whole lines only
    const bytes = end;
    const mark = `${sessionId}:${bytes}`;
    if (bytes === 0 || mark === last) return;
    if (bytes > limit) {
      await ctx.redis.multi().del(key).hset(key, { sessionId, tooLarge: String(bytes), host: hostId, at: new Date().toISOString() }).exec();
      if (bytes > warnedAt * 2 || warnedAt === 0) {
        warnedAt = bytes;
        logger.warn('session transcript too large to mirror: if this agent moves to another host it starts a new CLI session there', { sessionId, bytes, limit, setting: 'agent.session_mirror_max_bytes' });
      }
      last = mark;
      return;
    }
    const gz = gzipSync(raw.subarray(0, end));
    await ctx.redis.multi().del(key).hset(key, { sessionId, data: gz, bytes: String(bytes), host: hostId, at: new Date().toISOString() }).exec();
    last = mark;
  };

  return {
    mirror(sessionId) {
      chain = chain.then(() => once(sessionId)).catch((err: unknown) => void logger.warn('could not mirror the session transcript to Redis', { sessionId, ...errorFields(err) }));
      return chain;
    },
  };
}

/**
 * Before a start: makes sure this host's disk holds the newest copy of the session. Keeps a
 * local copy when it is this host's own latest (the mirror came from here) or newer than the
 * mirror; otherwise writes the mirrored transcript to `projects/<slug of cwd>/<id>.jsonl`.
 */
export async function restoreSession(ctx: NoxContext, agentId: string, where: { configDir: string; cwd: string; hostId: string }, sessionId: string, logger: Logger): Promise<RestoreOutcome> {
  const local = findSessionFile(where.configDir, sessionId);
  const [data, mirroredId, host, at, tooLarge] = await Promise.all([
    ctx.redis.hgetBuffer(ctx.keys.agentSession(agentId), 'data'),
    ctx.redis.hget(ctx.keys.agentSession(agentId), 'sessionId'),
    ctx.redis.hget(ctx.keys.agentSession(agentId), 'host'),
    ctx.redis.hget(ctx.keys.agentSession(agentId), 'at'),
    ctx.redis.hget(ctx.keys.agentSession(agentId), 'tooLarge'),
  ]);
  if (mirroredId !== sessionId) return local ? 'local' : 'none';
  if (tooLarge) {
    if (!local) logger.warn('the session transcript was too large to mirror: the agent starts a new CLI session on this host', { sessionId, bytes: Number(tooLarge), from: host });
    return local ? 'local' : 'too-large';
  }
  if (!data) return local ? 'local' : 'none';
  if (local && (host === where.hostId || statSync(local).mtimeMs >= Date.parse(at ?? ''))) return 'local';
  const dir = path.join(where.configDir, 'projects', projectSlug(where.cwd));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${sessionId}.jsonl`);
  writeFileSync(file, gunzipSync(data), { mode: 0o600 });
  chmodSync(file, 0o600);
  logger.info('session transcript restored from Redis', { sessionId, from: host, mirroredAt: at, file, replaced: local ?? null });
  return 'restored';
}
