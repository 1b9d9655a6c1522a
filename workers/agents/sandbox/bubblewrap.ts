import type { AgentLaunch } from '../claude-cli/command-line.js';
import type { Mount } from './mount-plan.js';
import type { ForwardPlan, ProxyPlan } from './network-plan.js';
import type { SandboxPolicy } from './sandbox-policy.js';

/**
 * Wraps a launch spec (agent-launch.ts) into `bwrap … -- /bin/sh -c <starter> <program>
 * <args>`: the same program, arguments, working folder and environment, inside a sandbox.
 *
 * - `--unshare-all`: its own user, pid, network, ipc, uts and cgroup namespaces — only its
 *   loopback, and a /proc that shows its own processes only;
 * - `--die-with-parent`: the whole sandbox is killed when the worker host dies, so no agent
 *   runs on unsupervised (a restarted host still kills leftovers: agent-adoption.ts);
 * - `--cap-drop ALL`: as root, bubblewrap would keep every capability inside its user
 *   namespace, enough to remount a read-only bind writable;
 * - no `--new-session`: the program must stay in the process group the host signals
 *   (process-runner.ts); it has no terminal to attack (the host runs it detached, setsid).
 * - no `--setenv`: the environment (agent-env.ts, an allowlist) is bubblewrap's own, which
 *   it hands down; a `--setenv` would put the API key on a command line any local user can
 *   read in /proc.
 *
 * The starter starts one socat per endpoint (network-plan.ts), waits until each listens,
 * then `exec`s the program: it keeps the pipes Nox reads, and when it exits, the sandbox's
 * init exits and the kernel kills what is left in its pid namespace (the socats too).
 */
export const BWRAP_FLAGS = ['--unshare-all', '--die-with-parent', '--cap-drop', 'ALL'];

/** Exit code of the starter when an endpoint never listened (nothing of the agent ran). */
export const STARTER_FAILED = 121;

export function mountArgs(mounts: readonly Mount[]): string[] {
  const args: string[] = [];
  for (const m of mounts) {
    switch (m.kind) {
      case 'ro':
        args.push(m.optional ? '--ro-bind-try' : '--ro-bind', m.source, m.dest);
        break;
      case 'rw':
        args.push(m.optional ? '--bind-try' : '--bind', m.source, m.dest);
        break;
      case 'symlink':
        args.push('--symlink', m.target, m.dest);
        break;
      case 'dev':
        args.push('--dev', m.dest);
        break;
      case 'proc':
        args.push('--proc', m.dest);
        break;
      case 'tmpfs':
        args.push('--tmpfs', m.dest);
        break;
    }
  }
  return args;
}

export interface SandboxTools {
  bwrap: string;
  socat: string;
}

export function wrapInBubblewrap(spec: AgentLaunch, policy: SandboxPolicy, program: string, tools: SandboxTools): AgentLaunch {
  const starter = starterScript(policy.network.endpoints, tools.socat);
  return {
    ...spec,
    command: tools.bwrap,
    args: [...BWRAP_FLAGS, ...mountArgs(policy.mounts), '--chdir', spec.cwd, '--', '/bin/sh', '-c', starter, 'nox-sandbox', program, ...spec.args],
    sandbox: 'bubblewrap',
  };
}

/**
 * The shell that runs first inside. Paths in it were checked by network-plan.ts (letters,
 * digits, `._/+@-` only), so they need no quoting; the ports are numbers.
 */
export function starterScript(endpoints: readonly (ForwardPlan | ProxyPlan)[], socat: string): string {
  const lines = endpoints.map((e) => `${socat} TCP-LISTEN:${e.insidePort},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:${e.socket} </dev/null >/dev/null &`);
  if (endpoints.length > 0) {
    // /proc/net/tcp lists this namespace's sockets: 0100007F:<hex port> … 0A is one listening on 127.0.0.1
    const hex = endpoints.map((e) => e.insidePort.toString(16).toUpperCase().padStart(4, '0')).join(' ');
    lines.push(
      `for p in ${hex}; do n=0; while ! grep -q "0100007F:$p 00000000:0000 0A" /proc/net/tcp; do n=$((n+1)); if [ $n -ge 500 ]; then echo "nox sandbox: endpoint port $p did not open" >&2; exit ${STARTER_FAILED}; fi; sleep 0.01; done; done`,
    );
  }
  lines.push('exec "$@"');
  return lines.join('\n');
}
