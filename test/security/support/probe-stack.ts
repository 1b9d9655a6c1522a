import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES_DIR } from '../../support/harness.js';
import { startAgentStack, type AgentStack } from '../../agents/agent-stack.js';

/**
 * A stack for test/security: one API, and two worker hosts that run the escape probe
 * (test/fixtures/escape-probe.mjs) — one sandboxed (the default; label `sandbox=on`), one
 * with `agent.sandbox = "off"` (label `sandbox=off`) — so every test can run the same probe
 * both ways in the same run. What the probe reaches unsandboxed and not sandboxed is what
 * the sandbox stops (and not a probe that never worked).
 */
export const ESCAPE_PROBE = path.join(FIXTURES_DIR, 'escape-probe.mjs');

export type Mode = 'on' | 'off';

export interface ProbeReport {
  read: Record<string, Outcome>;
  write: Record<string, Outcome>;
  tcp: Record<string, Outcome>;
  unix: Record<string, Outcome>;
  env: Record<string, Outcome>;
  connect: Record<string, Outcome>;
  workdir: Outcome;
  api: Outcome & { status?: number };
  env_names: string[];
}

export interface Outcome {
  ok: boolean;
  detail?: string;
  sample?: string;
}

export interface ProbePlan {
  read?: string[];
  write?: string[];
  tcp?: string[];
  unix?: string[];
  env?: string[];
  connect?: string[];
}

export interface ProbeStack {
  stack: AgentStack;
  /** starts an agent on the host of that mode (a config of its own: `extra`) */
  startAgent(id: string, mode: Mode, extra?: Record<string, unknown>): Promise<void>;
  probe(id: string, plan: ProbePlan): Promise<ProbeReport>;
  cleanup(): Promise<void>;
}

export async function startProbeStack(hostOverrides: Record<string, unknown> = {}): Promise<ProbeStack> {
  const stack = await startAgentStack({ hosts: 0, overrides: { 'agent.args': [ESCAPE_PROBE] } });
  await stack.addHost({ ...hostOverrides, 'worker.labels': { sandbox: 'on' } });
  await stack.addHost({ ...hostOverrides, 'worker.labels': { sandbox: 'off' }, 'agent.sandbox': 'off' });
  // what an escape would be after: the registry's config, the secrets file
  writeFileSync(path.join(stack.config.registryDir, 'system-config.toml'), '# read by the escape probe?\n');
  mkdirSync(path.dirname(stack.config.secretsFile), { recursive: true });
  writeFileSync(stack.config.secretsFile, '[auth]\njwt_secret = "the-escape-probe-must-not-read-this"\n', { mode: 0o600 });
  let turns = new Map<string, number>();
  return {
    stack,
    async startAgent(id, mode, extra = {}) {
      await stack.createAgent({ id, labels: { sandbox: mode }, ...extra });
      await stack.startAgent(id);
    },
    async probe(id, plan) {
      const n = (turns.get(id) ?? 0) + 1;
      turns.set(id, n);
      await stack.turn(id, `probe ${JSON.stringify(plan)}`);
      const result = await stack.waitResult(id, n, 30_000);
      return JSON.parse(result.text ?? '{}') as ProbeReport;
    },
    async cleanup() {
      turns = new Map();
      await stack.cleanup();
    },
  };
}
