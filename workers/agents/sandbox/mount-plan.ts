import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';

/**
 * The filesystem an agent's sandbox shows (docs/SANDBOX.md, "Filesystem"): a fresh root
 * with the system read-only, then the few paths the agent needs, every one at the same path
 * inside as outside (session files and paths need no rewriting). What is not listed is not
 * there: the registry, the secrets file, other agents' folders, the worker's files, home
 * folders, /root, other processes' /proc.
 */
export type Mount =
  | { kind: 'ro' | 'rw'; source: string; dest: string; optional?: boolean }
  | { kind: 'symlink'; target: string; dest: string }
  /** a minimal /dev, a /proc of the sandbox's own pid namespace, an empty /tmp */
  | { kind: 'dev' | 'proc' | 'tmpfs'; dest: string };

/** Top-level system folders, bound read-only — or recreated as the symlinks they are (usrmerge: /bin → usr/bin). */
const SYSTEM_TREES = ['/usr', '/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32'];

/**
 * The /etc files a program needs — not all of /etc (it may hold credentials, a host's
 * configs, mail and database passwords): the dynamic linker's cache, TLS roots, user and
 * host names, the time zone and Debian's alternatives (symlinks into /usr).
 */
const ETC_FILES = [
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/ca-certificates.conf',
  '/etc/pki',
  '/etc/passwd',
  '/etc/group',
  '/etc/nsswitch.conf',
  '/etc/hosts',
  '/etc/localtime',
  '/etc/timezone',
  '/etc/alternatives',
  '/etc/os-release',
];

export function systemMounts(): Mount[] {
  const mounts: Mount[] = [];
  for (const tree of SYSTEM_TREES) {
    const stat = lstatOrUndefined(tree);
    if (!stat) continue;
    if (stat.isSymbolicLink()) mounts.push({ kind: 'symlink', target: readlinkSync(tree), dest: tree });
    else if (stat.isDirectory()) mounts.push({ kind: 'ro', source: tree, dest: tree });
  }
  for (const file of ETC_FILES) if (lstatOrUndefined(file)) mounts.push({ kind: 'ro', source: file, dest: file, optional: true });
  mounts.push({ kind: 'dev', dest: '/dev' }, { kind: 'proc', dest: '/proc' }, { kind: 'tmpfs', dest: '/tmp' });
  return mounts;
}

/**
 * A path at the same place inside. When it goes through symlinks, the real place is bound
 * and the path is recreated as a symlink to it, so code that follows links (node's module
 * resolution) finds the same file by either name.
 */
export function samePath(kind: 'ro' | 'rw', p: string, optional = false): Mount[] {
  const absolute = path.resolve(p);
  if (!existsSync(absolute)) return optional ? [] : [{ kind, source: absolute, dest: absolute }];
  const real = realpathSync(absolute);
  if (real === absolute) return [{ kind, source: real, dest: real, ...(optional ? { optional } : {}) }];
  return [
    { kind, source: real, dest: real, ...(optional ? { optional } : {}) },
    { kind: 'symlink', target: real, dest: absolute },
  ];
}

/** Drops read-only paths already shown by another read-only one (e.g. /usr/bin under /usr). */
export function withoutCovered(mounts: Mount[]): Mount[] {
  const ro = mounts.filter((m) => m.kind === 'ro');
  return mounts.filter((m, i) => {
    if (m.kind !== 'ro') return true;
    const first = ro.findIndex((other) => other.dest === m.dest);
    if (mounts.indexOf(ro[first] as Mount) !== i) return false; // a duplicate
    return !ro.some((other) => other.dest !== m.dest && isInside(other.dest, m.dest));
  });
}

/** Is `p` the folder `dir` or inside it? */
export function isInside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function lstatOrUndefined(p: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}
