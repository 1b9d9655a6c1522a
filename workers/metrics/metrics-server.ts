import { createServer, type Server } from 'node:http';
import { MetricsForbiddenError } from '../../shared/errors/auth-errors.js';
import { errorFields } from '../../shared/logger.js';
import { scrapeAccess } from '../../shared/metrics/scrape-access.js';
import type { NoxContext } from '../../shared/runtime/context.js';

/**
 * A worker host's own `/metrics` on `worker.metrics_port` (docs/OBSERVABILITY.md): its jobs,
 * its agents' turns, tokens, cost, CPU and memory, messages it routed and delivered, registry
 * commits when it is the writer, and the process's own figures. The same access rule as the
 * API's (an allowed address or the scrape token). A bare node:http server: a worker host has
 * no Express, and this answers one path.
 */
export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(ctx: NoxContext, hostId: string): Promise<MetricsServer | undefined> {
  const port = ctx.config.worker.metrics_port;
  if (port === undefined) return undefined;
  const logger = ctx.logger.child({ component: 'metrics-server', hostId });
  const access = scrapeAccess(ctx.config.metrics);
  ctx.metrics.registry.setDefaultLabels({ nox_role: 'worker', nox_host: hostId });

  const server: Server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: this port serves GET /metrics\n');
      return;
    }
    if (!access.allowed(req.socket.remoteAddress, req.headers.authorization)) {
      const err = new MetricsForbiddenError();
      res.writeHead(err.status, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: `urn:nox:problem:${err.code.replace(/^nox:/, '')}`, title: err.title, status: err.status, code: err.code, detail: err.message }));
      return;
    }
    ctx.metrics.scrape().then(
      (text) => res.writeHead(200, { 'content-type': ctx.metrics.contentType, 'cache-control': 'no-store' }).end(text),
      (err: unknown) => {
        logger.warn('metrics scrape failed', errorFields(err));
        res.writeHead(500, { 'content-type': 'text/plain' }).end('scrape failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ctx.config.worker.metrics_host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  logger.info('metrics listening', { url: `http://${ctx.config.worker.metrics_host}:${bound}/metrics` });
  return {
    port: bound,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
