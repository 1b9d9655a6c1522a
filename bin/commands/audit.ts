import type { Command } from 'commander';
import { apiClient } from '../api-client.js';

/**
 * `nox audit` — the audit trail, newest first (GET /api/audit; operators and admins). With
 * `--all` it follows the pages to the end of the window; `--json` prints the entries as
 * JSON lines for scripts.
 */
interface Entry {
  id: string;
  at: string;
  actor: string;
  role: string;
  action: string;
  target: string;
  outcome: string;
  status: number;
  correlationId: string;
  address: string;
}

const out = (line: string): boolean => process.stdout.write(`${line}\n`);

export function formatAuditEntry(e: Entry): string {
  return [e.at, e.actor, e.action, e.target, `${e.outcome} ${e.status}`, e.address, e.correlationId].join('\t');
}

export function registerAuditCommands(program: Command): void {
  program
    .command('audit')
    .description('Who did what: state-changing requests of people and agents, newest first')
    .option('--actor <actor>', 'only this actor (user:<name>, agent:<id>, anonymous)')
    .option('--action <text>', 'only actions containing this (e.g. "DELETE", "/api/agents")')
    .option('--target <text>', 'only targets containing this (e.g. an agent id)')
    .option('--outcome <outcome>', 'ok | denied | refused | failed')
    .option('--since <time>', 'from this ISO time')
    .option('--until <time>', 'up to this ISO time')
    .option('--limit <n>', 'entries per page', '100')
    .option('--all', 'follow every page')
    .option('--json', 'print JSON lines')
    .option('--url <url>', 'API base URL')
    .action(async (opts: { actor?: string; action?: string; target?: string; outcome?: string; since?: string; until?: string; limit: string; all?: boolean; json?: boolean; url?: string }) => {
      const client = apiClient(opts.url);
      const base: Record<string, string> = { limit: opts.limit };
      for (const [k, v] of [['actor', opts.actor], ['action', opts.action], ['target', opts.target], ['outcome', opts.outcome], ['from', opts.since], ['to', opts.until]] as const) if (v) base[k] = v;
      let cursor: string | null = null;
      let shown = 0;
      do {
        const q = new URLSearchParams({ ...base, ...(cursor ? { cursor } : {}) });
        const page: { entries: Entry[]; next: string | null } = await client.call('GET', `/api/audit?${q}`);
        for (const e of page.entries) out(opts.json ? JSON.stringify(e) : formatAuditEntry(e));
        shown += page.entries.length;
        cursor = page.next;
      } while (opts.all && cursor);
      if (shown === 0 && !opts.json) out('no entries');
      else if (cursor && !opts.json) out(`(more: --all, or --until before the last one)`);
    });
}
