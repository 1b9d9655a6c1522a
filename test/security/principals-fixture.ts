import { expect } from 'chai';
import { tokenFor } from '../support/harness.js';
import type { ApprovalStack } from '../approvals/approval-stack.js';

/**
 * What the principals' tests share: agent tokens, a problem's code, and two agents whose
 * configs carry everything another agent must never see (a prompt, an MCP server with its
 * command and env, a workdir, add_dirs, a model and a budget).
 */
export const asAgent = (id: string): { token: string } => ({ token: tokenFor('agent', id, id) });
export const asUser = (role: 'admin' | 'operator' | 'viewer', name: string): { token: string } => ({ token: tokenFor(role, name) });

/** the status and stable code of a refusal */
export async function refusal(res: Response): Promise<{ status: number; code: string }> {
  const body = (await res.json()) as { code?: string };
  return { status: res.status, code: body.code ?? '' };
}

export const SECRET_BITS = {
  prompt: 'You are the payroll agent; the vault code is 4471',
  command: '/opt/tools/ledger-mcp',
  env: 'LEDGER_REGION',
  workdir: '/srv/payroll/work',
  addDir: '/srv/payroll/archive',
} as const;

export function privateConfig(id: string): Record<string, unknown> {
  return {
    id,
    name: `Agent ${id}`,
    system_prompt: `${SECRET_BITS.prompt} (${id})`,
    model: 'claude-private-model',
    workdir: `${SECRET_BITS.workdir}/${id}`,
    add_dirs: [SECRET_BITS.addDir],
    max_budget_usd: 12.5,
    capabilities: ['payroll'],
    mcp_servers: { ledger: { command: SECRET_BITS.command, args: ['--stdio'], env: { [SECRET_BITS.env]: 'eu-1' } } },
  };
}

export async function createAgents(stack: ApprovalStack, ...ids: string[]): Promise<void> {
  for (const id of ids) await stack.json('POST', '/api/agents', 201, { body: privateConfig(id) });
}

export function expectNoPrivateBits(json: unknown, what: string): void {
  const text = JSON.stringify(json);
  for (const bit of Object.values(SECRET_BITS)) expect(text, `${what} shows ${bit}`).to.not.include(bit);
  expect(text, `${what} shows the model`).to.not.include('claude-private-model');
}
