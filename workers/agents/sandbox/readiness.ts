import { execa } from 'execa';
import type { NoxConfig } from '../../../shared/config/schema.js';
import { SandboxUnavailableError } from '../../../shared/errors/agent-errors.js';
import { BWRAP_FLAGS, mountArgs, type SandboxTools } from './bubblewrap.js';
import { samePath, systemMounts, withoutCovered } from './mount-plan.js';
import { findProgram } from './program-path.js';

/**
 * Can this host sandbox agents? bubblewrap and socat must be there, and bubblewrap must
 * work: some kernels or container runtimes forbid the namespaces it needs, which only a
 * real run shows. So once per host (per pair of paths) it runs what every agent's sandbox
 * runs — the same namespaces and fresh root — with `socat -V` as the program. A success is
 * kept for the host's life; a failure for a short while, so that installing the packages
 * heals a running host.
 */
export interface SandboxReadiness {
  ready: boolean;
  tools?: SandboxTools;
  /** why not, in a sentence */
  problem?: string;
  /** what to do about it */
  fix?: string;
  /** `bubblewrap 0.8.0` */
  version?: string;
}

export const INSTALL_FIX = 'apt-get install bubblewrap socat (or your system’s packages of the same names), or set agent.sandbox = "off" in system-config.toml to run agents unsandboxed on purpose';
const CHECK_TIMEOUT_MS = 10_000;
const RETRY_FAILED_AFTER_MS = 30_000;

const cache = new Map<string, { at: number; result: Promise<SandboxReadiness> }>();

export function sandboxReadiness(config: NoxConfig): Promise<SandboxReadiness> {
  const key = `${config.agent.bwrap_path}\0${config.agent.socat_path}`;
  const hit = cache.get(key);
  if (hit) return hit.result;
  const result = check(config.agent.bwrap_path, config.agent.socat_path);
  cache.set(key, { at: Date.now(), result });
  void result.then((r) => {
    if (!r.ready) setTimeout(() => cache.delete(key), RETRY_FAILED_AFTER_MS).unref();
  });
  return result;
}

/** The tools, or a SandboxUnavailableError with the reason and the fix. */
export async function requireSandbox(config: NoxConfig): Promise<SandboxTools> {
  const r = await sandboxReadiness(config);
  if (!r.ready || !r.tools) throw new SandboxUnavailableError(r.problem ?? 'bubblewrap is not working', r.fix ?? INSTALL_FIX);
  return r.tools;
}

async function check(bwrapName: string, socatName: string): Promise<SandboxReadiness> {
  const bwrap = findProgram(bwrapName);
  if (!bwrap) return { ready: false, problem: `bubblewrap (${bwrapName}) is not installed or not on PATH`, fix: INSTALL_FIX };
  const socat = findProgram(socatName);
  if (!socat) return { ready: false, problem: `socat (${socatName}) is not installed or not on PATH`, fix: INSTALL_FIX };
  const version = await execa(bwrap.path, ['--version'], { reject: false, timeout: CHECK_TIMEOUT_MS });
  const mounts = withoutCovered([...systemMounts(), ...samePath('ro', socat.real.replace(/\/[^/]+$/, ''), true)]);
  const run = await execa(bwrap.path, [...BWRAP_FLAGS, ...mountArgs(mounts), '--', socat.real, '-V'], { reject: false, timeout: CHECK_TIMEOUT_MS, env: { PATH: '/usr/bin:/bin' }, extendEnv: false });
  if (run.exitCode !== 0) {
    const said = `${run.stderr || run.stdout || run.shortMessage}`.trim().split('\n')[0];
    return {
      ready: false,
      problem: `bubblewrap cannot make a sandbox here (${said})`,
      fix: 'allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 also an AppArmor profile for bwrap), or run the worker where they are allowed, or set agent.sandbox = "off" to run agents unsandboxed on purpose',
    };
  }
  return { ready: true, tools: { bwrap: bwrap.real, socat: socat.real }, version: version.stdout.trim() || undefined };
}
