import { chmodSync, rmSync } from 'node:fs';
import net from 'node:net';
import type { Logger } from '../../../shared/logger.js';
import { addressGuard, type GuardInput } from './address-guard.js';
import { handleProxyClient } from './connect-proxy.js';
import type { EndpointPlan } from './network-plan.js';

/**
 * The host side of an agent's network (network-plan.ts): one unix socket per endpoint in
 * its run folder, served by plain `net` servers in the worker host's own process — no
 * process per agent on the host. A forward connects each client to its fixed target; the
 * proxy tunnels CONNECTs to the allowlist (connect-proxy.ts). Sockets are 0600: the agent
 * runs as the worker's user, nobody else on the machine may use them.
 *
 * They live as long as the agent's process: `close()` when it exits (and before a restart
 * opens them again) stops the servers, cuts open connections and removes the files.
 */
export interface OpenEndpoints {
  close(): Promise<void>;
}

export async function openEndpoints(plans: readonly EndpointPlan[], guardInput: GuardInput, logger: Logger): Promise<OpenEndpoints> {
  const servers: net.Server[] = [];
  const open = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    open.add(s);
    s.once('close', () => open.delete(s));
  };
  const guard = plans.some((p) => p.kind === 'proxy') ? await addressGuard(guardInput) : undefined;
  const close = async (): Promise<void> => {
    for (const s of open) s.destroy();
    await Promise.all(servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
    for (const p of plans) rmSync(p.socket, { force: true });
  };
  try {
    for (const plan of plans) {
      const server = net.createServer((client) => {
        track(client);
        client.on('error', () => client.destroy());
        if (plan.kind === 'proxy') return handleProxyClient(client, { allow: plan.allow, guard: guard! }, logger, track);
        const upstream = net.connect(plan.target);
        track(upstream);
        upstream.on('error', (err) => {
          logger.debug('sandbox forward could not reach its target', { endpoint: plan.name, error: err.message });
          client.destroy();
        });
        client.pipe(upstream);
        upstream.pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.on('error', (err) => logger.warn('sandbox endpoint error', { endpoint: plan.name, error: err.message }));
      // a socket file left by a process that died is in the way of listen()
      rmSync(plan.socket, { force: true });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(plan.socket, () => {
          server.off('error', reject);
          resolve();
        });
      });
      servers.push(server);
      chmodSync(plan.socket, 0o600);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { close };
}
