import type { Command } from 'commander';
import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { apiClient } from '../api-client.js';
import { followPages } from '../follow-pages.js';

/**
 * `nox approvals`, `nox approve ID`, `nox deny ID --reason …` — a thin client of
 * /api/approvals (issue 6). The API URL comes from --url, NOX_API_URL, the running
 * `nox up` (.runtime/up.json) or the configured port; the token from NOX_TOKEN, or one
 * minted with the configured secret (operator role, one minute, as `user:nox-cli`).
 */
function call<T>(url: string | undefined, method: string, urlPath: string, body?: unknown): Promise<T> {
  return apiClient(url).call<T>(method, urlPath, body);
}

const out = (line: string): boolean => process.stdout.write(`${line}\n`);

export function formatApproval(a: ApprovalRequest): string {
  const what = a.details.tool ? `${a.details.tool} ${typeof a.details.input?.command === 'string' ? a.details.input.command : ''}`.trim() : a.description;
  const decided = a.status === 'pending' ? (a.expires_at ? `expires ${new Date(a.expires_at).toISOString()}` : '') : `by ${a.decided_by ?? '?'}${a.reason ? `: ${a.reason}` : ''}`;
  return [a.id, a.status, a.risk_level, a.agent_id, a.request_type, what.replace(/\s+/g, ' ').slice(0, 120), decided].join('\t');
}

export function registerApprovalCommands(program: Command): void {
  program
    .command('approvals')
    .description('List approvals (default: the pending ones, riskiest first)')
    .option('--status <status>', 'pending | approved | denied | all', 'pending')
    .option('--agent <id>', 'only this agent')
    .option('--limit <n>', 'at most this many (newest first; pages followed)', '50')
    .option('--all', 'every approval kept')
    .option('--page-size <n>', 'approvals per request', '500')
    .option('--json', 'print JSON')
    .option('--url <url>', 'API base URL')
    .action(async (opts: { status: string; agent?: string; limit: string; all?: boolean; pageSize: string; json?: boolean; url?: string }) => {
      const q = new URLSearchParams({ status: opts.status, ...(opts.agent ? { agent: opts.agent } : {}) });
      const { items, total, more } = await followPages<ApprovalRequest>(apiClient(opts.url), '/api/approvals', q, 'approvals', opts.all ? Infinity : Number(opts.limit), Number(opts.pageSize));
      const page = { approvals: items, total, more };
      if (opts.json) return void out(JSON.stringify(page, null, 2));
      const rank = { critical: 0, high: 1, medium: 2, low: 3 } as const;
      const rows = opts.status === 'pending' ? [...page.approvals].sort((a, b) => rank[a.risk_level] - rank[b.risk_level]) : page.approvals;
      if (rows.length === 0) out(opts.status === 'pending' ? 'nothing waits for a decision' : 'no approvals');
      for (const a of rows) out(formatApproval(a));
      if (more) process.stderr.write(`${items.length} of ${total ?? '?'} (more: --limit, --all)\n`);
    });

  program
    .command('approve <id>')
    .description('Approve a pending request (operator or admin)')
    .option('--reason <text>', 'why')
    .option('--remember', 'also add a policy rule: always allow this tool (Bash: this command) for this agent')
    .option('--pattern <pattern>', 'with --remember: the tool pattern to allow, e.g. "Bash(make:*)"')
    .option('--url <url>', 'API base URL')
    .action(async (id: string, opts: { reason?: string; remember?: boolean; pattern?: string; url?: string }) => {
      const body = { ...(opts.reason ? { reason: opts.reason } : {}), remember: opts.remember ?? false, ...(opts.pattern ? { pattern: opts.pattern } : {}) };
      const decided = await call<ApprovalRequest & { remembered?: { rule: { tools?: string[] }; change_id: string } }>(opts.url, 'POST', `/api/approvals/${encodeURIComponent(id)}/approve`, body);
      out(`approved ${decided.id}`);
      if (decided.remembered) out(`remembered: always allow ${decided.remembered.rule.tools?.join(', ') ?? decided.request_type} for ${decided.agent_id} (change ${decided.remembered.change_id})`);
    });

  program
    .command('deny <id>')
    .description('Deny a pending request with a reason the agent reads (operator or admin)')
    .requiredOption('--reason <text>', 'why (the agent sees it)')
    .option('--url <url>', 'API base URL')
    .action(async (id: string, opts: { reason: string; url?: string }) => {
      const decided = await call<ApprovalRequest>(opts.url, 'POST', `/api/approvals/${encodeURIComponent(id)}/deny`, { reason: opts.reason });
      out(`denied ${decided.id}: ${decided.reason}`);
    });
}
