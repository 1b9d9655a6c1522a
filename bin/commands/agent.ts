import type { Command } from 'commander';
import { parseLabels } from '../../shared/config/env-overrides.js';
import { apiClient as client, type ApiClient as Client } from '../api-client.js';

/**
 * `nox agent create|list|show|start|stop|restart|interrupt|reset|send|logs [-f]|delete` — a
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

interface AgentRow {
  id: string;
  name: string;
  model?: string;
  runtime: { status: string; hostId?: string; costUsd: number; cpuPercent?: number; memoryMb?: number; reason?: string } | null;
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

export function registerAgentCommand(program: Command): void {
  const agent = program.command('agent').description('Agents: create, inspect, start, stop, follow their output').option('--url <url>', 'API base URL');
  const api = (): Client => client((agent.opts() as { url?: string }).url);

  agent
    .command('create <id>')
    .description('Create an agent (its config goes to agents.toml)')
    .option('--name <name>')
    .option('--prompt <text>', 'system prompt')
    .option('--model <model>')
    .option('--workdir <dir>')
    .option('--permission-mode <mode>', 'default | acceptEdits | plan | bypassPermissions | dontAsk | auto')
    .option('--allow <tools>', 'allowed tools, comma separated')
    .option('--deny <tools>', 'disallowed tools, comma separated')
    .option('--budget <usd>', 'max_budget_usd', Number)
    .option('--labels <k=v,...>', 'placement labels')
    .option('--parent <id>', 'parent agent')
    .option('--start', 'start it right away')
    .option('--wait', 'with an agent’s token: wait until the spawn is approved and done (or denied)')
    .option('--timeout <ms>', 'how long --wait waits', '600000')
    .action(async (id: string, o: Record<string, string | number | boolean | undefined>) => {
      const body: Record<string, unknown> = { id, start: Boolean(o.start) };
      if (o.name) body.name = o.name;
      if (o.prompt) body.system_prompt = o.prompt;
      if (o.model) body.model = o.model;
      if (o.workdir) body.workdir = o.workdir;
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

  agent.command('list').description('Every agent with its status').action(async () => {
    const { agents } = await api().call<{ agents: AgentRow[] }>('GET', '/api/agents');
    out(['ID', 'STATUS', 'HOST', 'COST', 'CPU%', 'MEM MB', 'WHY'].join('\t'));
    for (const a of agents) {
      const r = a.runtime;
      // an agent whose start failed before any process has a reason but no status yet
      const status = !r || r.status === 'unknown' ? 'never started' : r.status;
      out([a.id, status, r?.hostId ?? '-', `$${(r?.costUsd ?? 0).toFixed(4)}`, r?.cpuPercent ?? '-', r?.memoryMb ?? '-', r?.reason || '-'].join('\t'));
    }
  });

  agent.command('show <id>').description('Config and runtime state, as JSON').action(async (id: string) => {
    out(JSON.stringify(await api().call('GET', `/api/agents/${id}`), null, 2));
  });

  for (const verb of ['start', 'stop', 'restart', 'interrupt', 'reset'] as const) {
    agent.command(`${verb} <id>`).description(`${verb} an agent`).action(async (id: string) => {
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
