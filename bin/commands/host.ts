import type { Command } from 'commander';
import { apiClient } from '../api-client.js';
import { registerHostDrain } from './host-drain.js';

/**
 * `nox host cordon|uncordon <id>` — POST /api/system/hosts/<id>/cordon|uncordon (operator).
 * Prints the host's cordon state, and whether this call changed it.
 */
export function registerHostCommand(program: Command): void {
  const host = program.command('host').description('Worker hosts: list, cordon (no new placement), uncordon, drain');
  for (const verb of ['cordon', 'uncordon'] as const) {
    host
      .command(`${verb} <id>`)
      .description(verb === 'cordon' ? 'Place no new agent on the host (its running agents stay)' : 'Let agents be placed on the host again')
      .option('--url <url>', 'API base URL')
      .action(async (id: string, o: { url?: string }) => {
        const r = await apiClient(o.url).call<{ hostId: string; cordoned: boolean; changed: boolean }>('POST', `/api/system/hosts/${encodeURIComponent(id)}/${verb}`);
        process.stdout.write(`${r.hostId} ${r.cordoned ? 'cordoned' : 'uncordoned'}${r.changed ? '' : ' (already)'}\n`);
      });
  }
  registerHostDrain(host);
}
