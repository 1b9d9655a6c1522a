import type { Command } from 'commander';
import { parseLabels } from '../../shared/config/env-overrides.js';
import { apiClient as client, type ApiClient as Client } from '../api-client.js';
import { registerAgentChangeCommands } from './project.js';

/**
 * `nox agent create|list|show|start|stop|restart|interrupt|unpark|reset|send|logs [-f]|delete` — a
 * thin client of /api/agents (bin/api-client.ts finds the API and the token). Deleting (and
 * creating with an agent's token) may wait for an approval: the API answers 202 with its
 * id, and `--wait` follows it until the act is done, denied or failed.
 */
const out = (line: string): boolean => process.stdout.write(`${line}\n`);

/** The 202 answer of an act that waits for an approval. */
interface Waiting {
  status?: 'pending' | 'acting';
  approval_id?: string;
}

interface AgentRequestView {
  status: 'pending' | 'acting' | 'done' | 'denied' | 'failed';
  error?: string;
}

/** Follows GET /api/agent-requests/:id until it is settled (or `timeoutMs` passes). */
async function followRequest(c: Client, approvalId: string, timeoutMs: number): Promise<AgentRequestView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await c.call<AgentRequestView>('GET', `/api/agent-requests/${approvalId}`);
    if ((r.status !== 'pending' && r.status !== 'acting') || Date.now() >= deadline) return r;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Prints how a waiting act ended (with --wait) or that it waits; exit code 1 when denied or failed. */
async function reportWaiting(c: Client, what: string, w: Waiting, wait: boolean, timeoutMs: number): Promise<void> {
  const id = w.approval_id as string;
  out(`${what}: waiting for approval ${id} (nox approve ${id} | nox deny ${id} --reason …)`);
  if (!wait) return;
  const r = await followRequest(c, id, timeoutMs);
  if (r.status === 'done') out(`${what}: done (approval ${id})`);
  else if (r.status === 'pending' || r.status === 'acting') out(`${what}: still ${r.status} after ${Math.round(timeoutMs / 1000)} s (approval ${id})`);
  else {
    out(`${what}: ${r.status}${r.error ? ` — ${r.error}` : ''} (approval ${id})`);
    process.exitCode = 1;
  }
}

/** A row of GET /api/agents (the compact item) */
interface AgentRow {
  id: string;
  name: string;
  runtimeStatus: string;
  hostId: string | null;
  costUsd: number;
  cpuPercent: number | null;
  memoryMb: number | null;
  restarts: number;
  reason: string | null;
}

interface AgentPage {
  agents: AgentRow[];
  next: string | null;
  total: number;
  counts: Record<string, number>;
}

interface Entry {
  seq: number;
  at: string;
  kind: string;
  text?: string;
}

function formatEntry(e: Entry): string {
  const text = e.text === undefined ? '' : ` ${e.text.replace(/\s+/g, ' ').slice(0, 500)}`;
  return `${e.at} #${e.seq} ${e.kind}${text}`;
}

interface BulkAnswer {
  action: string;
  matched: number;
  succeeded: number;
  failed: number;
  results: { id: string; ok: boolean; result?: Record<string, unknown>; code?: string; detail?: string }[];
}

/** One line per agent, then the tally; exit code 1 when any agent failed (said, never hidden). */
function reportBulk(what: string, r: BulkAnswer): void {
  for (const x of r.results) {
    const waiting = typeof x.result?.approval_id === 'string' ? ` (waiting for approval ${x.result.approval_id})` : '';
    out(x.ok ? `${x.id}\tok${waiting}` : `${x.id}\tfailed\t${x.code ?? ''}\t${x.detail ?? ''}`);
  }
  out(`${what}: ${r.succeeded} of ${r.matched} done, ${r.failed} failed`);
  if (r.failed > 0) process.exitCode = 1;
}

export function registerAgentCommand(program: Command): void {
  const agent = program.command('agent').description('Agents: create, inspect, start, stop, follow their output').option('--url <url>', 'API base URL');
  const api = (): Client => client((agent.opts() as { url?: string }).url);
  registerAgentChangeCommands(agent, api, reportWaiting);

  agent
    .command('create [id]')
    .description('Create an agent (its config goes to agents.toml); with --count and --template, N agents from a template agent (<template>-001 …)')
    .option('--count <n>', 'with --template: how many agents to create')
    .option('--template <id>', 'the agent whose config the new ones copy')
    .option('--name <name>')
    .option('--prompt <text>', 'system prompt')
    .option('--model <model>')
    .option('--workdir <dir>')
    .option('--project <name>', 'work in its own git worktree of this project (docs/WORKTREES.md)')
    .option('--permission-mode <mode>', 'default | acceptEdits | plan | bypassPermissions | dontAsk | auto')
    .option('--allow <tools>', 'allowed tools, comma separated')
    .option('--deny <tools>', 'disallowed tools, comma separated')
    .option('--budget <usd>', 'max_budget_usd', Number)
    .option('--labels <k=v,...>', 'placement labels')
    .option('--parent <id>', 'parent agent')
    .option('--start', 'start it right away')
    .option('--wait', 'with an agent’s token: wait until the spawn is approved and done (or denied)')
    .option('--timeout <ms>', 'how long --wait waits', '600000')
    .action(async (id: string | undefined, o: Record<string, string | number | boolean | undefined>) => {
      if (o.template !== undefined || o.count !== undefined) {
        if (id !== undefined || o.template === undefined || o.count === undefined) throw new Error('a bulk create takes --template and --count, and no id');
        const r = await api().call<BulkAnswer>('POST', '/api/agents/bulk', { action: 'create', template: o.template, count: Number(o.count), start: Boolean(o.start), ...(o.labels ? { labels: parseLabels(String(o.labels)) } : {}) });
        return reportBulk(`create from ${String(o.template)}`, r);
      }
      if (id === undefined) throw new Error('create needs an id (or --template and --count)');
      const body: Record<string, unknown> = { id, start: Boolean(o.start) };
      if (o.name) body.name = o.name;
      if (o.prompt) body.system_prompt = o.prompt;
      if (o.model) body.model = o.model;
      if (o.workdir) body.workdir = o.workdir;
      if (o.project) body.project = o.project;
      if (o.permissionMode) body.permission_mode = o.permissionMode;
      if (o.allow) body.allowed_tools = String(o.allow).split(',').map((s) => s.trim());
      if (o.deny) body.disallowed_tools = String(o.deny).split(',').map((s) => s.trim());
      if (o.budget !== undefined) body.max_budget_usd = o.budget;
      if (o.labels) body.labels = parseLabels(String(o.labels));
      if (o.parent) body.parent = o.parent;
      const c = api();
      const created = await c.call<{ id: string } & Waiting>('POST', '/api/agents', body);
      // 202 when the token is an agent's: a spawn waits for its approval
      if (created.approval_id && (created.status === 'pending' || created.status === 'acting')) return reportWaiting(c, `create ${id}`, created, Boolean(o.wait), Number(o.timeout));
      out(`created ${created.id}${o.start ? ' (starting)' : ''}`);
    });

  agent
    .command('delete <id>')
    .description('Delete a stopped agent; unless the policy approves it at once, it waits for a person to approve (delete_agent)')
    .option('--wait', 'wait until the deletion is approved and done (or denied)')
    .option('--timeout <ms>', 'how long --wait waits', '600000')
    .action(async (id: string, o: { wait?: boolean; timeout: string }) => {
      const c = api();
      const r = await c.call<Waiting>('DELETE', `/api/agents/${encodeURIComponent(id)}`);
      if (!r.approval_id) return void out(`deleted ${id}`);
      await reportWaiting(c, `delete ${id}`, r, Boolean(o.wait), Number(o.timeout));
    });

  agent
    .command('list')
    .description('Agents with their runtime status, a page at a time from the API (every page unless --limit)')
    .option('--status <s,...>', 'runtime statuses (idle, working, stopped, failed, never-started ...)')
    .option('--label <k=v,...>', 'labels the agents carry (all of them)')
    .option('--host <id,...>', 'hosts they run on')
    .option('--parent <id>', 'children of this agent')
    .option('--project <p>', 'the project label')
    .option('-q, --search <text>', 'text in the id or the name')
    .option('--sort <key>', 'id | name | created | status | host | cost | cpu | memory | restarts', 'id')
    .option('--desc', 'descending')
    .option('--limit <n>', 'at most this many agents')
    .option('--page-size <n>', 'agents per request', '500')
    .action(async (o: { status?: string; label?: string; host?: string; parent?: string; project?: string; search?: string; sort: string; desc?: boolean; limit?: string; pageSize: string }) => {
      const c = api();
      const limit = o.limit === undefined ? Infinity : Number(o.limit);
      const query = new URLSearchParams({ sort: o.sort, ...(o.desc ? { order: 'desc' } : {}) });
      for (const [k, v] of [['status', o.status], ['label', o.label], ['host', o.host], ['parent', o.parent], ['project', o.project], ['q', o.search]] as const) if (v) query.set(k, v);
      out(['ID', 'STATUS', 'HOST', 'COST', 'CPU%', 'MEM MB', 'RESTARTS', 'WHY'].join('\t'));
      let shown = 0;
      let last: AgentPage | undefined;
      for (let cursor: string | null = null; shown < limit; ) {
        query.set('limit', String(Math.min(Number(o.pageSize), limit - shown)));
        if (cursor) query.set('cursor', cursor);
        last = await c.call<AgentPage>('GET', `/api/agents?${query.toString()}`);
        for (const a of last.agents) out([a.id, a.runtimeStatus, a.hostId ?? '-', `$${a.costUsd.toFixed(4)}`, a.cpuPercent ?? '-', a.memoryMb ?? '-', a.restarts, a.reason ?? '-'].join('\t'));
        shown += last.agents.length;
        cursor = last.next;
        if (cursor === null) break;
      }
      if (last) process.stderr.write(`${shown} of ${last.total}; ${Object.entries(last.counts).map(([s, n]) => `${s} ${n}`).join(', ')}\n`);
    });

  agent
    .command('bulk <action>')
    .description('start | stop | restart | delete every agent the selector picks (a result per agent; deletions are delete_agent approvals)')
    .option('--ids <id,...>', 'these agents')
    .option('--status <s,...>', 'runtime statuses')
    .option('--label <k=v,...>', 'labels (all of them)')
    .option('--parent <id>', 'children of this agent')
    .option('--host <id,...>', 'hosts they run on')
    .option('-q, --search <text>', 'text in the id or the name')
    .option('--all', 'every agent')
    .option('--reason <text>')
    .action(async (action: string, o: { ids?: string; status?: string; label?: string; parent?: string; host?: string; search?: string; all?: boolean; reason?: string }) => {
      const list = (v: string | undefined): string[] | undefined => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
      const selector = Object.fromEntries(
        Object.entries({ ids: list(o.ids), status: list(o.status), label: list(o.label), parent: o.parent, host: list(o.host), q: o.search, all: o.all ? true : undefined }).filter(([, v]) => v !== undefined),
      );
      const r = await api().call<BulkAnswer>('POST', '/api/agents/bulk', { action, selector, ...(o.reason ? { reason: o.reason } : {}) });
      reportBulk(action, r);
    });

  agent.command('show <id>').description('Config and runtime state, as JSON').action(async (id: string) => {
    out(JSON.stringify(await api().call('GET', `/api/agents/${id}`), null, 2));
  });

  for (const verb of ['start', 'stop', 'restart', 'interrupt', 'unpark', 'reset'] as const) {
    agent.command(`${verb} <id>`).description(verb === 'unpark' ? 'resume a parked agent now (the turn its usage limit held runs once)' : `${verb} an agent`).action(async (id: string) => {
      const r = await api().call<{ hostId?: string; already?: boolean }>('POST', `/api/agents/${id}/${verb}`);
      out(`${verb} ${id}: ${r.already ? 'already running' : 'accepted'}${r.hostId ? ` (host ${r.hostId})` : ''}`);
    });
  }

  agent.command('send <id> <text...>').description('Send the agent a user turn').action(async (id: string, text: string[]) => {
    await api().call('POST', `/api/agents/${id}/turn`, { text: text.join(' ') });
    out(`sent to ${id}`);
  });

  agent
    .command('logs <id>')
    .description('The agent’s conversation; -f follows new entries')
    .option('-f, --follow', 'keep printing new entries')
    .option('--after <seq>', 'start after this sequence number', '0')
    .option('--interval <ms>', 'poll period with -f', '1000')
    .action(async (id: string, o: { follow?: boolean; after: string; interval: string }) => {
      const c = api();
      let after = Number(o.after);
      let stop = false;
      process.once('SIGINT', () => {
        stop = true;
      });
      for (;;) {
        const page = await c.call<{ entries: Entry[]; next: number; more: boolean }>('GET', `/api/agents/${id}/conversation?after=${after}&limit=500`);
        for (const e of page.entries) out(formatEntry(e));
        after = page.next;
        if (page.more) continue;
        if (!o.follow || stop) return;
        await new Promise((r) => setTimeout(r, Number(o.interval)));
        if (stop) return;
      }
    });
}
