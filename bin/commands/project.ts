import type { Command } from 'commander';
import { apiClient, type ApiClient } from '../api-client.js';

/**
 * `nox project add|list|remove` (/api/projects) and `nox agent changes|merge`
 * (GET /api/agents/:id/changes, POST /api/agents/:id/merge) — docs/WORKTREES.md.
 */
const out = (line: string): boolean => process.stdout.write(`${line}\n`);

interface ProjectRow {
  name: string;
  repo: string;
  base: string;
  created_at: string;
  added_by: string;
}

export function registerProjectCommand(program: Command): void {
  const project = program.command('project').description('Projects: git repositories agents work on, each agent in its own worktree').option('--url <url>', 'API base URL');
  const api = (): ApiClient => apiClient((project.opts() as { url?: string }).url);
  project
    .command('add <name>')
    .description('Add a project (its repository and base branch are checked first)')
    .requiredOption('--repo <path|url>', 'the repository: an absolute path or a URL')
    .option('--base <branch>', 'the branch agents start from and merge into', 'main')
    .action(async (name: string, o: { repo: string; base: string }) => {
      const repo = /^[a-z][a-z0-9+.-]*:\/\/|^[^/\s]+@[^:/\s]+:/i.test(o.repo) ? o.repo : (await import('node:path')).resolve(o.repo);
      const r = await api().call<ProjectRow & { base_sha: string }>('POST', '/api/projects', { name, repo, base: o.base });
      out(`added ${r.name}: ${r.repo} @ ${r.base} (${r.base_sha.slice(0, 12)})`);
    });
  project
    .command('list')
    .description('The projects')
    .option('--json', 'as JSON')
    .action(async (o: { json?: boolean }) => {
      const r = await api().call<{ projects: ProjectRow[] }>('GET', '/api/projects');
      if (o.json) return void out(JSON.stringify(r.projects, null, 2));
      if (r.projects.length === 0) return void out('no projects (nox project add NAME --repo PATH)');
      for (const p of r.projects) out(`${p.name.padEnd(20)} ${p.base.padEnd(12)} ${p.repo}`);
    });
  project
    .command('remove <name>')
    .description('Remove a project no agent uses (the repository and the agents’ branches stay)')
    .action(async (name: string) => {
      await api().call('DELETE', `/api/projects/${encodeURIComponent(name)}`);
      out(`removed ${name}`);
    });
}

interface Changes {
  branch: string;
  base: string;
  ahead: number;
  behind: number;
  commits: { sha: string; subject: string; author: string }[];
  files: { path: string; status: string; additions: number; deletions: number }[];
  uncommitted: string[];
  mergeable: boolean;
  conflicts: string[];
  diff: string;
  diff_truncated: boolean;
}

type ReportWaiting = (c: ApiClient, what: string, w: { status?: 'pending' | 'acting'; approval_id?: string }, wait: boolean, timeoutMs: number) => Promise<void>;

/** `nox agent changes ID [--diff]` and `nox agent merge ID [--push] [--wait]`, under `nox agent`. */
export function registerAgentChangeCommands(agent: Command, api: () => ApiClient, reportWaiting: ReportWaiting): void {
  agent
    .command('changes <id>')
    .description('What a project agent changed against its base: commits, files, conflicts (--diff: the unified diff)')
    .option('--diff', 'print the diff')
    .option('--json', 'as JSON')
    .action(async (id: string, o: { diff?: boolean; json?: boolean }) => {
      const c = await api().call<Changes>('GET', `/api/agents/${encodeURIComponent(id)}/changes`);
      if (o.json) return void out(JSON.stringify(c, null, 2));
      out(`${c.branch}: ${c.ahead} ahead, ${c.behind} behind ${c.base}; ${c.mergeable ? 'merges cleanly' : `CONFLICTS in ${c.conflicts.join(', ')}`}`);
      for (const k of c.commits) out(`  ${k.sha.slice(0, 12)} ${k.subject} (${k.author})`);
      for (const f of c.files) out(`  ${f.status} ${f.path} +${f.additions} -${f.deletions}${c.uncommitted.includes(f.path) ? ' (uncommitted)' : ''}`);
      if (o.diff) process.stdout.write(`${c.diff}${c.diff_truncated ? '\n… (diff cut at 1 MB)\n' : ''}`);
    });
  agent
    .command('merge <id>')
    .description('Merge a project agent’s branch into its base (or --push it for a pull request), through a merge approval')
    .option('--push', 'push the branch to the project repository instead of merging')
    .option('--wait', 'wait until the merge is approved and done (or denied, or failed)')
    .option('--timeout <ms>', 'how long --wait waits', '600000')
    .action(async (id: string, o: { push?: boolean; wait?: boolean; timeout: string }) => {
      const c = api();
      const r = await c.call<{ status: string; approval_id?: string; result?: { sha?: string; base?: string; already?: boolean } }>('POST', `/api/agents/${encodeURIComponent(id)}/merge`, { mode: o.push ? 'push' : 'merge' });
      if (r.status === 'done') return void out(`${o.push ? 'pushed' : 'merged'} ${id}: ${r.result?.sha?.slice(0, 12) ?? ''}${r.result?.already ? ' (already in the base)' : ''}`);
      await reportWaiting(c, `merge ${id}`, r as { status?: 'pending' | 'acting'; approval_id?: string }, Boolean(o.wait), Number(o.timeout));
    });
}
