import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { NoxConfig } from '../config/schema.js';
import { McpMountNotAllowedError } from '../errors/mcp-errors.js';
import { parseDockerHost } from './engine-endpoint.js';

/**
 * Which host folders an MCP service container may bind-mount (DESIGN.md, "Containment": an
 * approval shows the container mounts it grants, and nothing an agent runs reaches the
 * container engine's API). A mount of the engine's socket is a root shell on the host; a
 * mount of the registry or the secrets folder hands over the governor.
 *
 * - Only from `mcp.mount_allow` (host path prefixes; default empty = no bind mounts).
 * - Never, allowlisted or not: anything under /run, /var/run, /proc, /sys, /dev; any
 *   `*.sock` file (docker.sock, podman.sock, containerd.sock…); the engine's own socket;
 *   the registry and the secrets folder — nor a folder holding any of them (mounting / or
 *   /var hands over /var/run/docker.sock as surely as naming it).
 * - The path as written and, where it exists, as symlinks resolve it: a link inside an
 *   allowed folder pointing at the socket is refused too.
 *
 * Checked when an install is asked for (install-requests.ts), when the catalog is read for
 * an agent (catalog-store.ts: a refused entry is left out and listed as invalid), and again
 * when the container is created (workers/mcp/engine/container-spec.ts, without the
 * allowlist the bridge does not know: the fixed refusals and the symlink check).
 */
export interface MountPolicy {
  /** host path prefixes mounts may come from; undefined: not checked (the container spec's backstop) */
  allow?: readonly string[];
  /** more paths never mounted, nor any folder holding them */
  deny?: readonly string[];
}

export interface MountRefusal {
  source: string;
  reason: string;
}

/** Never mounted, nor anything in them, nor any folder holding them. */
export const NEVER_MOUNTED: readonly string[] = ['/run', '/var/run', '/proc', '/sys', '/dev'];
const SOCKET_FILE = /\.sock(et)?$/i;

/** The policy of this process's config: the allowlist, the registry, the secrets folder and the engine's socket. */
export function mountPolicyFor(config: NoxConfig, env: NodeJS.ProcessEnv = process.env): MountPolicy {
  const deny = [config.registryDir, path.dirname(config.secretsFile)];
  try {
    const engine = parseDockerHost(config.mcp.docker_host ?? env.DOCKER_HOST);
    if (engine.kind === 'unix') deny.push(engine.socketPath);
  } catch {
    // a bad engine address is reported where the engine is used; the fixed refusals still hold
  }
  return { allow: config.mcp.mount_allow, deny };
}

const within = (child: string, parent: string): boolean => child === parent || parent === '/' || child.startsWith(`${parent}/`);
const real = (p: string): string => {
  try {
    return existsSync(p) ? realpathSync(p) : p;
  } catch {
    return p;
  }
};

/** Why one source may not be mounted; undefined when it may. */
export function mountRefusal(source: string, policy: MountPolicy): string | undefined {
  if (!path.isAbsolute(source) || source.includes('\0') || source.split('/').includes('..')) return 'must be an absolute path without ".."';
  const written = path.posix.normalize(source).replace(/(.)\/+$/, '$1');
  const forms = [...new Set([written, real(written)])];
  const never = [...NEVER_MOUNTED, ...(policy.deny ?? [])].flatMap((p) => [...new Set([path.posix.normalize(p), real(p)])]);
  for (const form of forms) {
    const via = form === written ? '' : ` (through a link to ${form})`;
    if (SOCKET_FILE.test(form)) return `is a socket${via}: a container engine's API is never mounted`;
    const hit = never.find((n) => within(form, n) || within(n, form));
    if (hit) return `${within(form, hit) ? 'is inside' : 'holds'} ${hit}${via}, which is never mounted (engine sockets, system folders, the registry, the secrets)`;
    if (policy.allow && !policy.allow.some((a) => within(form, path.posix.normalize(a)))) {
      return policy.allow.length === 0 ? `no bind mounts are allowed (mcp.mount_allow is empty)${via}` : `is outside mcp.mount_allow (${policy.allow.join(', ')})${via}`;
    }
  }
  return undefined;
}

export function mountRefusals(mounts: readonly { source: string }[], policy: MountPolicy): MountRefusal[] {
  return mounts.flatMap((m) => {
    const reason = mountRefusal(m.source, policy);
    return reason ? [{ source: m.source, reason }] : [];
  });
}

/** 403 `ERROR_CODE.mcpMountNotAllowed` naming each refused mount. */
export function assertMountsAllowed(mounts: readonly { source: string }[], policy: MountPolicy): void {
  const refused = mountRefusals(mounts, policy);
  if (refused.length > 0) throw new McpMountNotAllowedError(refused);
}
