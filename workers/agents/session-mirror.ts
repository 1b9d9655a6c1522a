import { chmodSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { gunzipSync, gzip as gzipCb, gzipSync } from 'node:zlib';
import { errorFields, type Logger } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { redisScript } from '../../shared/redis-script.js';
import { storedGzipMember } from './gzip-member.js';

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
 * - A mirror costs what the turn added, not the whole transcript: the lines added since
 *   this host's last mirror are made a gzip member of their own (a turn's few lines stored
 *   as they are, a few more in place with a small deflate state, a large addition off the
 *   event loop) and appended to
 *   the stored gzip (a concatenation of gzip members is one gzip stream), in Lua, only when
 *   the stored mirror is still the one this host wrote up to that length; else (another
 *   host wrote it, the file was rewritten, or the appended parts outgrew the last whole
 *   write) it is written whole. Asks that pile up while one runs are served by one mirror
 *   started after them.
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

const gzip = promisify(gzipCb);

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
  /**
   * A new process starts (its working folder, so its transcript's folder, may differ): the
   * next mirror looks for the file again. Within one process a session's file stays where it
   * was found, so turns do not search the projects folder each time.
   */
  relocate(): void;
}

/**
 * Appends a gzip member to the mirror when it is still the one this host wrote up to
 * `bytes` (same session, same length, same host): a concatenation of gzip members is one
 * gzip stream, so the restore reads it whole. Anything else answers 0 and the caller
 * writes the mirror whole.
 */
const APPEND = `
local cur = redis.call('HMGET', KEYS[1], 'sessionId', 'bytes', 'host')
if cur[1] ~= ARGV[1] or cur[2] ~= ARGV[2] or cur[3] ~= ARGV[3] then return 0 end
local data = redis.call('HGET', KEYS[1], 'data')
if not data then return 0 end
redis.call('HSET', KEYS[1], 'data', data .. ARGV[4], 'bytes', ARGV[5], 'at', ARGV[6])
return 1`;
const appendScript = redisScript(APPEND);

/** What this host last mirrored of a session: the file, its length, the bytes just before that length (to see the file was not rewritten since). */
interface Mirrored {
  sessionId: string;
  file: string;
  bytes: number;
  tail: Buffer;
  /** gzipped size of the last whole write, and of the members appended since */
  baseGz: number;
  appendedGz: number;
}

const TAIL = 64;
const SMALL = 64 * 1024;
const SMALL_DEFLATE = { memLevel: 4, windowBits: 12 };
/** an addition this small is stored as it is: setting up deflate costs more than it saves (gzip-member.ts) */
const TINY = 4 * 1024;

function readRange(fd: number, from: number, to: number): Buffer {
  const buf = Buffer.allocUnsafe(Math.max(0, to - from));
  let n = 0;
  while (n < buf.length) {
    const r = readSync(fd, buf, n, buf.length - n, from + n);
    if (r === 0) break;
    n += r;
  }
  return buf.subarray(0, n);
}

export function createSessionMirror(ctx: NoxContext, agentId: string, configDir: string, hostId: string, logger: Logger): SessionMirror {
  const limit = ctx.config.agent.session_mirror_max_bytes;
  const key = ctx.keys.agentSession(agentId);
  let chain: Promise<void> = Promise.resolve();
  /** a mirror asked for and not started yet: a later ask joins it (it reads the file when it starts) */
  let pending: { sessionId: string; done: Promise<void> } | undefined;
  let last = '';
  let mirrored: Mirrored | undefined;
  let warnedAt = 0;
  /** where the session's file was found (until relocate(), or it is gone) */
  let located: { sessionId: string; file: string } | undefined;

  const openSession = (sessionId: string): { file: string; fd: number } | undefined => {
    if (located?.sessionId === sessionId) {
      try {
        return { file: located.file, fd: openSync(located.file, 'r') };
      } catch {
        located = undefined; // moved or removed: search again
      }
    }
    const file = findSessionFile(configDir, sessionId);
    if (!file) return undefined;
    const fd = openSync(file, 'r');
    located = { sessionId, file };
    return { file, fd };
  };

  const tooLarge = async (sessionId: string, bytes: number, mark: string): Promise<void> => {
    await ctx.redis.multi().del(key).hset(key, { sessionId, tooLarge: String(bytes), host: hostId, at: new Date().toISOString() }).exec();
    mirrored = undefined;
    if (bytes > warnedAt * 2 || warnedAt === 0) {
      warnedAt = bytes;
      logger.warn('session transcript too large to mirror: if this agent moves to another host it starts a new CLI session there', { sessionId, bytes, limit, setting: 'agent.session_mirror_max_bytes' });
    }
    last = mark;
  };

  /** only the lines added since the last mirror, appended; false when that is not possible (then the caller writes it whole) */
  const appendNew = async (fd: number, size: number, prev: Mirrored): Promise<boolean> => {
    if (size < prev.bytes) return false;
    // one read: the tail last mirrored (still the same bytes?) and what follows it
    const read = readRange(fd, prev.bytes - prev.tail.length, size);
    if (read.length < prev.tail.length || !read.subarray(0, prev.tail.length).equals(prev.tail)) return false;
    const added = read.subarray(prev.tail.length);
    const end = added.lastIndexOf(0x0a) + 1; // whole lines only
    if (end === 0) return true; // nothing new
    const bytes = prev.bytes + end;
    const mark = `${prev.sessionId}:${bytes}`;
    if (bytes > limit) {
      await tooLarge(prev.sessionId, bytes, mark);
      return true;
    }
    // a turn's lines are few: stored as they are when tiny, else a small deflate state in place (a fraction of the default's set-up); a large addition goes off the event loop
    const lines = added.subarray(0, end);
    const gz = end <= TINY ? storedGzipMember(lines) : end <= SMALL ? gzipSync(lines, SMALL_DEFLATE) : await gzip(lines);
    // the appended members outgrow the last whole write: write it whole again (amortised, each byte is compressed a few times at most)
    if (prev.appendedGz + gz.length > Math.max(prev.baseGz, 64 * 1024)) return false;
    const ok = await appendScript(ctx.redis, [key], [prev.sessionId, String(prev.bytes), hostId, gz, String(bytes), new Date().toISOString()]);
    if (ok !== 1) return false;
    const whole = read.subarray(0, prev.tail.length + end);
    mirrored = { ...prev, bytes, tail: Buffer.from(whole.subarray(Math.max(0, whole.length - TAIL))), appendedGz: prev.appendedGz + gz.length };
    last = mark;
    return true;
  };

  const once = async (sessionId: string): Promise<void> => {
    const opened = openSession(sessionId);
    if (!opened) return;
    const { file, fd } = opened;
    try {
      const size = fstatSync(fd).size;
      const prev = mirrored;
      if (prev && prev.sessionId === sessionId && prev.file === file && (await appendNew(fd, size, prev))) return;
      const raw = readRange(fd, 0, size);
      const bytes = raw.lastIndexOf(0x0a) + 1; // whole lines only
      const mark = `${sessionId}:${bytes}`;
      if (bytes === 0 || mark === last) return;
      if (bytes > limit) return await tooLarge(sessionId, bytes, mark);
      const gz = await gzip(raw.subarray(0, bytes));
      await ctx.redis.multi().del(key).hset(key, { sessionId, data: gz, bytes: String(bytes), host: hostId, at: new Date().toISOString() }).exec();
      // a copy: a view would keep the whole transcript read here alive until the next append
      mirrored = { sessionId, file, bytes, tail: Buffer.from(raw.subarray(Math.max(0, bytes - TAIL), bytes)), baseGz: gz.length, appendedGz: 0 };
      last = mark;
    } catch (err) {
      mirrored = undefined; // unsure what the mirror holds now: the next one writes it whole
      throw err;
    } finally {
      closeSync(fd);
    }
  };

  return {
    mirror(sessionId) {
      if (pending?.sessionId === sessionId) return pending.done;
      const run = chain.then(() => {
        pending = undefined;
        return once(sessionId);
      });
      chain = run.catch((err: unknown) => void logger.warn('could not mirror the session transcript to Redis', { sessionId, ...errorFields(err) }));
      pending = { sessionId, done: chain };
      return chain;
    },
    relocate() {
      located = undefined;
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
