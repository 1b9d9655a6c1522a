import path from 'node:path';
import type { Command } from 'commander';
import { apiClient } from '../api-client.js';
import { registerMcpImport } from './mcp-import.js';

/**
 * `nox mcp list|install|enable|disable|remove|discover|status|import` — a thin client of /api/mcp
 * and /api/agents/:id/mcp (issue 8, docs/MCP.md). bin/api-client.ts finds the API
 * and the token.
 */
function call<T>(url: string | undefined, method: string, urlPath: string, body?: unknown): Promise<T> {
  return apiClient(url).call<T>(method, urlPath, body);
}

const out = (line: string): boolean => process.stdout.write(`${line}\n`);
const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface ServiceView {
  name: string;
  image: string;
  description: string;
  agents: string[];
  enabled: Record<string, true>;
  network: 'none' | { internal: string };
}

export function registerMcpCommand(program: Command): void {
  const mcp = program.command('mcp').description('MCP services: the catalog, installs (with approval), per-agent enablement');

  mcp
    .command('list')
    .description('The services in the catalog')
    .option('--json', 'print JSON')
    .option('--url <url>', 'API base URL')
    .action(async (opts: { json?: boolean; url?: string }) => {
      const list = await call<{ services: ServiceView[]; invalid: { service: string; message: string }[] }>(opts.url, 'GET', '/api/mcp/services');
      if (opts.json) return void out(JSON.stringify(list, null, 2));
      if (list.services.length === 0) out('no MCP services');
      for (const s of list.services) {
        const network = s.network === 'none' ? 'network none' : `network ${s.network.internal}`;
        out([s.name, s.image, `agents ${s.agents.join(',')}`, `enabled ${Object.keys(s.enabled).join(',') || '-'}`, network, s.description].join('\t'));
      }
      for (const bad of list.invalid) out(`${bad.service}\tINVALID\t${bad.message}`);
    });

  mcp
    .command('install <name> <image>')
    .description('Ask to install a service: creates an install_mcp approval; once approved the image is imported (--tar), pulled (--pull) or found on the engine (--present), checked, and added to the catalog')
    .option('--tar <path>', 'a docker save archive or root filesystem tar on the host that installs (absolute path)')
    .option('--change <instruction>', 'with --tar: a Dockerfile instruction for a rootfs import, e.g. \'CMD ["/srv"]\' (repeatable)', collect, [])
    .option('--pull', 'pull the image from its registry')
    .option('--present', 'the image is already on the engine (uploaded with `nox mcp import`)')
    .option('--agent <id>', 'an agent allowed to use it, or "*" (repeatable; at least one)', collect, [])
    .option('--description <text>', 'what it offers')
    .option('--command <arg>', 'the command to run instead of the image\'s CMD (repeatable, one argument each)', collect, [])
    .option('--network <name>', 'an internal network (default: none)')
    .option('--memory-mb <n>', 'memory limit')
    .option('--cpus <n>', 'CPU limit (cores)')
    .option('--replace', 'replace a service of that name')
    .option('--json', 'print JSON')
    .option('--url <url>', 'API base URL')
    .action(
      async (
        name: string,
        image: string,
        opts: { tar?: string; change: string[]; pull?: boolean; present?: boolean; agent: string[]; description?: string; command: string[]; network?: string; memoryMb?: string; cpus?: string; replace?: boolean; json?: boolean; url?: string },
      ) => {
        if ([opts.tar, opts.pull, opts.present].filter(Boolean).length !== 1) throw new Error('give exactly one of --tar <path>, --pull or --present');
        if (opts.agent.length === 0) throw new Error('name at least one --agent (or --agent "*")');
        const limits = { ...(opts.memoryMb ? { memory_mb: Number(opts.memoryMb) } : {}), ...(opts.cpus ? { cpus: Number(opts.cpus) } : {}) };
        const body = {
          name,
          entry: {
            image,
            agents: opts.agent,
            ...(opts.description ? { description: opts.description } : {}),
            ...(opts.command.length ? { command: opts.command } : {}),
            ...(opts.network ? { network: { internal: opts.network } } : {}),
            ...(Object.keys(limits).length ? { limits } : {}),
          },
          source: opts.tar ? { tar: path.resolve(opts.tar), ...(opts.change.length ? { changes: opts.change } : {}) } : opts.pull ? { pull: true } : { present: true },
          replace: opts.replace ?? false,
        };
        const record = await call<{ approval_id: string; status: string }>(opts.url, 'POST', '/api/mcp/services', body);
        if (opts.json) return void out(JSON.stringify(record, null, 2));
        out(`install of ${name} waits for approval ${record.approval_id}`);
        out(`approve it: nox approve ${record.approval_id}   follow it: nox mcp status ${record.approval_id}`);
      },
    );

  registerMcpImport(mcp);

  mcp
    .command('status <approvalId>')
    .description('An install request: pending, installing, installed, denied or failed')
    .option('--url <url>', 'API base URL')
    .action(async (approvalId: string, opts: { url?: string }) => {
      const r = await call<{ name: string; status: string; error?: string; warnings?: string[] }>(opts.url, 'GET', `/api/mcp/installs/${encodeURIComponent(approvalId)}`);
      out([r.name, r.status, r.error ?? ''].join('\t').trim());
      for (const w of r.warnings ?? []) out(`warning: ${w}`);
    });

  mcp
    .command('enable <service>')
    .description('Turn a service on for an agent (it must be among the service\'s agents); applies at the agent\'s next start')
    .requiredOption('--agent <id>', 'the agent')
    .option('--url <url>', 'API base URL')
    .action(async (service: string, opts: { agent: string; url?: string }) => {
      const r = await call<{ enabled: string[]; changed: boolean; note: string }>(opts.url, 'POST', `/api/agents/${encodeURIComponent(opts.agent)}/mcp/${encodeURIComponent(service)}`);
      out(`${r.changed ? 'enabled' : 'already enabled'}: ${service} for ${opts.agent} (${r.note})`);
    });

  mcp
    .command('disable <service>')
    .description('Turn a service off for an agent; applies at the agent\'s next start')
    .requiredOption('--agent <id>', 'the agent')
    .option('--url <url>', 'API base URL')
    .action(async (service: string, opts: { agent: string; url?: string }) => {
      const r = await call<{ changed: boolean; note: string }>(opts.url, 'DELETE', `/api/agents/${encodeURIComponent(opts.agent)}/mcp/${encodeURIComponent(service)}`);
      out(`${r.changed ? 'disabled' : 'already disabled'}: ${service} for ${opts.agent} (${r.note})`);
    });

  mcp
    .command('remove <service>')
    .description('Remove a service: its catalog entry, then its containers')
    .option('--url <url>', 'API base URL')
    .action(async (service: string, opts: { url?: string }) => {
      const r = await call<{ job_id: string }>(opts.url, 'DELETE', `/api/mcp/services/${encodeURIComponent(service)}`);
      out(`removing ${service} (job ${r.job_id})`);
    });

  mcp
    .command('discover [term]')
    .description('Images for MCP services: local images, and the registry search (or why it cannot be reached)')
    .option('--json', 'print JSON')
    .option('--url <url>', 'API base URL')
    .action(async (term: string | undefined, opts: { json?: boolean; url?: string }) => {
      const r = await call<{ local: { tags: string[]; sizeBytes: number }[]; remote: { ok: true; results: { name: string; description: string }[] } | { ok: false; reason: string } }>(
        opts.url,
        'GET',
        `/api/mcp/discover?${new URLSearchParams({ q: term ?? '' })}`,
      );
      if (opts.json) return void out(JSON.stringify(r, null, 2));
      for (const i of r.local) out(`local\t${i.tags.join(',') || '<untagged>'}\t${Math.ceil(i.sizeBytes / 1048576)} MiB`);
      if (r.remote.ok) for (const i of r.remote.results) out(`remote\t${i.name}\t${i.description}`);
      else out(`registry unreachable: ${r.remote.reason}`);
    });
}
