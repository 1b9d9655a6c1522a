import type { Command } from 'commander';
import { parseLabels } from '../../shared/config/env-overrides.js';
import { apiClient } from '../api-client.js';
import { registerHostDrain } from './host-drain.js';

/**
 * `nox host cordon|uncordon <id>` — POST /api/system/hosts/<id>/cordon|uncordon (operator).
 * Prints the host's cordon state, and whether this call changed it.
 *
 * `nox host token|tokens|revoke` — host credentials (admin; docs/HOSTS.md, "Joining a host"):
 * mint one for a host on another machine (POST /api/system/host-tokens; the credential is
 * printed this once, with the line that starts the host), list them, revoke one.
 */
interface CredentialView {
  id: string;
  state: string;
  hostId?: string;
  labels?: Record<string, string>;
  createdAt: string;
  createdBy: string;
  expiresAt?: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

export function registerHostCommand(program: Command): void {
  const host = program.command('host').description('Worker hosts: list, cordon (no new placement), uncordon, drain; host credentials to join from another machine');
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
  registerCredentialCommands(host);
}

function registerCredentialCommands(host: Command): void {
  host
    .command('token')
    .description('Mint a host credential: a host on another machine starts with REDIS_URL and NOX_HOST_TOKEN alone (admin)')
    .option('--host <id>', 'the only host id that may join with it (default: the first host that joins keeps it)')
    .option('--labels <k=v,...>', 'the host’s placement labels (default: its own worker.labels)')
    .option('--ttl <ttl>', 'lifetime, e.g. 12h, 90d (default: until revoked)')
    .option('--url <url>', 'API base URL')
    .action(async (o: { host?: string; labels?: string; ttl?: string; url?: string }) => {
      const body = { ...(o.host ? { hostId: o.host } : {}), ...(o.labels ? { labels: parseLabels(o.labels) } : {}), ...(o.ttl ? { ttl: o.ttl } : {}) };
      const r = await apiClient(o.url, { role: 'admin' }).call<CredentialView & { credential: string }>('POST', '/api/system/host-tokens', body);
      process.stdout.write(`${r.credential}\n`);
      process.stderr.write(
        `host credential ${r.id} for ${r.hostId ? `host "${r.hostId}"` : 'the first host that joins with it'}${r.labels ? ` (labels ${labelText(r.labels)})` : ''}, ${r.expiresAt ? `until ${r.expiresAt}` : 'until revoked'}.\n` +
          'Shown once. On the host’s machine (agent.api_url must reach this API):\n' +
          '  REDIS_URL=redis://:<password>@<redis>:6379 NOX_HOST_TOKEN=<the line above> nox worker\n' +
          `Revoke: nox host revoke ${r.id}\n`,
      );
    });
  host
    .command('tokens')
    .description('List host credentials: id, state, host, labels, expiry, last use (admin)')
    .option('--url <url>', 'API base URL')
    .action(async (o: { url?: string }) => {
      const r = await apiClient(o.url, { role: 'admin' }).call<{ items: CredentialView[] }>('GET', '/api/system/host-tokens');
      process.stdout.write('ID\tSTATE\tHOST\tLABELS\tEXPIRES\tLAST USED\tCREATED BY\n');
      for (const c of r.items) {
        process.stdout.write(`${c.id}\t${c.state}\t${c.hostId ?? '-'}\t${c.labels ? labelText(c.labels) : '-'}\t${c.expiresAt ?? 'never'}\t${c.lastUsedAt ?? '-'}\t${c.createdBy}\n`);
      }
    });
  host
    .command('revoke <id>')
    .description('Revoke a host credential: its host stops taking work, its agents’ tokens are refused (admin)')
    .option('--url <url>', 'API base URL')
    .action(async (id: string, o: { url?: string }) => {
      const r = await apiClient(o.url, { role: 'admin' }).call<CredentialView & { changed: boolean }>('DELETE', `/api/system/host-tokens/${encodeURIComponent(id)}`);
      process.stdout.write(`${r.id} revoked${r.changed ? '' : ' (already)'}${r.hostId ? `: host "${r.hostId}" stops taking work` : ''}\n`);
    });
}

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
