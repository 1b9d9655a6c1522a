import type { Command } from 'commander';
import type { HostInfo } from '../../shared/types.js';
import { apiClient } from '../api-client.js';

/**
 * `nox host drain <id> [--wait]` — POST /api/system/hosts/<id>/drain (operator): the host is
 * cordoned and moves its agents to other hosts between turns (docs/HOSTS.md). `--wait`
 * follows it until it is drained, saying how many agents are left.
 * `nox host list` — GET /api/system/hosts: each host's state (alive, cordoned, draining,
 * drained), agents and labels.
 */
export function registerHostDrain(host: Command): void {
  host
    .command('drain <id>')
    .description('Cordon the host and move its agents to other hosts between turns, with their sessions')
    .option('--wait', 'wait until the host is drained, printing how many agents are left')
    .option('--url <url>', 'API base URL')
    .action(async (id: string, o: { url?: string; wait?: boolean }) => {
      const api = apiClient(o.url);
      const r = await api.call<{ hostId: string; state: string; changed: boolean }>('POST', `/api/system/hosts/${encodeURIComponent(id)}/drain`);
      process.stdout.write(`${r.hostId} ${r.state}${r.changed ? '' : ' (already)'}\n`);
      if (!o.wait) return;
      let said = `${r.state}`;
      for (;;) {
        const h = (await api.call<{ hosts: HostInfo[] }>('GET', '/api/system/hosts')).hosts.find((x) => x.id === id);
        const now = h ? `${h.drain ?? 'not draining'}: ${h.running} agent(s) left` : 'gone';
        if (now !== said) process.stdout.write(`${id} ${now}\n`);
        said = now;
        if (!h || h.drain !== 'draining') return;
        await new Promise((res) => setTimeout(res, 1000));
      }
    });

  host
    .command('list')
    .description('Worker hosts: state (alive, cordoned, draining, drained), agents, labels')
    .option('--url <url>', 'API base URL')
    .action(async (o: { url?: string }) => {
      const { hosts } = await apiClient(o.url).call<{ hosts: HostInfo[] }>('GET', '/api/system/hosts');
      const rows = [['ID', 'STATE', 'AGENTS', 'LABELS']];
      for (const h of hosts) rows.push([h.id, hostState(h), `${h.running}/${h.capacity}`, Object.entries(h.labels).map(([k, v]) => `${k}=${v}`).join(',') || '-']);
      process.stdout.write(`${rows.map((r) => r.join('\t')).join('\n')}\n`);
    });
}

/** `alive`, `down`, then `cordoned`, or the drain's state (a drain cordons). */
export function hostState(h: HostInfo): string {
  const placement = h.drain ?? (h.cordoned ? 'cordoned' : '');
  return [h.alive ? 'alive' : 'down', placement].filter(Boolean).join(',');
}
