import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { CONFIG_FILE } from '../../shared/config/load-config.js';
import { insideOrThrow, RUNTIME_DIR } from '../../shared/registry/layout.js';
import { isBulky, REGISTRY_PUBLISHED_EVENT, type Publication } from '../../shared/registry/registry-publication.js';
import { redactSecrets } from '../../shared/registry/secret-redaction.js';
import type { Logger } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';

/** what publishing needs of the writer (its state, without importing it: writer-state.ts calls in here) */
export interface PublisherState {
  ctx: NoxContext;
  dir: string;
  branch: string;
  logger: Logger;
}

const run = promisify(execFile);

/**
 * The writer's side of "registry reads from any machine" (shared/registry/registry-publication.ts):
 * after each commit the text of every file it touched goes to Redis (the bulky ones by
 * name only: registry-publication.ts isBulky), with the commit's sha
 * and a new version, in one MULTI, before the commit's `registry.commit` events; at start
 * and after a branch switch or merge, every tracked file (a snapshot, swapped in whole).
 *
 * Secrets: the registry's tree holds none (they live in the secrets file); system-config.toml
 * still goes through redactSecrets, because a registry made before secrets moved out may
 * hold them in that one file until the writer's start-up moves them.
 */

/** bumps the version and records the publication; a snapshot also records itself as the snapshot */
const RECORD = `
local v = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'sha', ARGV[1], 'branch', ARGV[2], 'at', ARGV[3])
if ARGV[4] == '1' then redis.call('HSET', KEYS[1], 'snapshot', v) end
return v`;

/** A file's text as readers see it: a closed day decompressed; undefined when the commit deleted it. */
function publishedText(dir: string, rel: string): string | undefined {
  let raw: Buffer;
  try {
    if (isBulky(rel)) {
      statSync(insideOrThrow(dir, rel)); // ENOENT when the commit deleted it
      return ''; // by name only (isBulky says why)
    }
    raw = readFileSync(insideOrThrow(dir, rel));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const text = rel.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  return rel === CONFIG_FILE ? redactSecrets(text) : text;
}

const published = (rel: string): boolean => !rel.startsWith(`${RUNTIME_DIR}/`) && !rel.startsWith('.git/');

/** Publishes what one commit changed; returns the publication's version. */
export async function publishCommit(state: PublisherState, sha: string, paths: readonly string[]): Promise<number> {
  const { redis, keys } = state.ctx;
  const multi = redis.multi();
  for (const rel of paths.filter(published)) {
    const text = publishedText(state.dir, rel);
    if (text === undefined) multi.hdel(keys.registryFiles(), rel);
    else multi.hset(keys.registryFiles(), rel, text);
  }
  multi.eval(RECORD, 1, keys.registryPublished(), sha, state.branch, new Date().toISOString(), '0');
  const results = (await multi.exec()) ?? [];
  const failed = results.find(([err]) => err);
  if (failed) throw failed[0] as Error;
  return Number(results[results.length - 1]![1]);
}

/** Publishes every tracked file at HEAD (replacing what was there) and announces it. */
export async function publishSnapshot(state: PublisherState, correlationId: string): Promise<Publication> {
  const { redis, keys } = state.ctx;
  const { stdout } = await run('git', ['ls-files', '-z'], { cwd: state.dir, maxBuffer: 256 * 1024 * 1024 });
  const paths = stdout.split('\0').filter((p) => p && published(p));
  let sha = '';
  try {
    sha = (await run('git', ['rev-parse', '--verify', '-q', 'HEAD'], { cwd: state.dir })).stdout.trim();
  } catch {
    // a repository with no commit yet: nothing but the (empty) publication
  }
  const next = keys.registryFilesNext();
  const multi = redis.multi().del(next);
  let any = false;
  for (const rel of paths) {
    const text = publishedText(state.dir, rel);
    if (text === undefined) continue;
    multi.hset(next, rel, text);
    any = true;
  }
  if (any) multi.rename(next, keys.registryFiles());
  else multi.del(keys.registryFiles());
  const at = new Date().toISOString();
  multi.eval(RECORD, 1, keys.registryPublished(), sha, state.branch, at, '1');
  const results = (await multi.exec()) ?? [];
  const failed = results.find(([err]) => err);
  if (failed) throw failed[0] as Error;
  const version = Number(results[results.length - 1]![1]);
  const publication: Publication = { sha, version, snapshot: version, branch: state.branch, at };
  await state.ctx.events.publish({ type: REGISTRY_PUBLISHED_EVENT, correlationId, data: publication });
  state.logger.info('registry published to Redis', { sha, version, files: paths.length });
  return publication;
}
