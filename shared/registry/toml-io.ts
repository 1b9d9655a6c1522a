import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse, stringify, TomlError } from 'smol-toml';
import { RegistryFileInvalidError } from '../errors/registry-errors.js';
import { FILE_SCHEMAS } from './file-schemas.js';
import { compressedPathOf, insideOrThrow, type Family } from './layout.js';

/**
 * Reading and writing registry files. Reads parse with smol-toml and validate against the
 * file's schema; a broken file raises RegistryFileInvalidError naming the file and line.
 * Writes go to a temp file in the same folder, are fsynced, then renamed over the target,
 * so a writer killed mid-write leaves either the old file or the new one, never half.
 */
export type TomlTable = Record<string, unknown>;

/** Suffix of in-flight temp files; the writer removes leftovers on start. */
export const TEMP_SUFFIX = '.nox-tmp';

export function parseRegistryToml(text: string, rel: string, family: Exclude<Family, 'tasks-md'>): TomlTable {
  let data: TomlTable;
  try {
    data = parse(text) as TomlTable;
  } catch (err) {
    if (err instanceof TomlError) {
      const first = err.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'invalid TOML';
      throw new RegistryFileInvalidError(rel, err.line, first);
    }
    throw new RegistryFileInvalidError(rel, undefined, (err as Error).message);
  }
  const result = FILE_SCHEMAS[family].safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.map(String);
    throw new RegistryFileInvalidError(rel, lineOfKey(text, where), `${where.join('.') || '(document)'}: ${issue.message}`);
  }
  return data;
}

/**
 * Best effort: the line where a key path appears (`[a.b]`, `[[a]]` or `b = `), so schema
 * errors point a person at the right place. Undefined when not found.
 */
export function lineOfKey(text: string, keyPath: string[]): number | undefined {
  const named = keyPath.filter((k) => !/^\d+$/.test(k));
  const lines = text.split('\n');
  for (let n = named.length; n > 0; n--) {
    const last = named[n - 1]!;
    const esc = last.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(`^\\s*(\\[\\[?[^\\]]*\\b${esc}\\b[^\\]]*\\]\\]?|"?${esc}"?\\s*=)`);
    const index = lines.findIndex((l) => re.test(l));
    if (index >= 0) return index + 1;
  }
  return undefined;
}

/** Freezes a parsed value and everything in it (cached values are shared: nobody may edit them). */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

export function stringifyToml(data: TomlTable): string {
  const body = stringify(data);
  return body.endsWith('\n') ? body : `${body}\n`;
}

/** Reads a text file; undefined when it does not exist. Reads `<file>.gz` if only that exists. */
export function readText(registryDir: string, rel: string): string | undefined {
  const abs = insideOrThrow(registryDir, rel);
  try {
    return readFileSync(abs, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    return gunzipSync(readFileSync(insideOrThrow(registryDir, compressedPathOf(rel)))).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RegistryFileInvalidError(compressedPathOf(rel), undefined, `cannot decompress: ${(err as Error).message}`);
  }
}

/** Writes bytes atomically (temp + fsync + rename), creating folders on the way. */
export function atomicWrite(abs: string, content: string | Buffer, mode?: number): void {
  mkdirSync(path.dirname(abs), { recursive: true });
  const tmp = `${abs}${TEMP_SUFFIX}`;
  const fd = openSync(tmp, 'w', mode ?? 0o644);
  try {
    const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, abs);
}
