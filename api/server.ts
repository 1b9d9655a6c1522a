import { METRIC } from '../shared/metrics/catalogue.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../shared/errors/config-error.js';
import { eventFeedFor, type EventFeed } from '../shared/events/event-feed.js';
import type { StreamTailer } from '../shared/events/stream-tailer.js';
import { errorFields } from '../shared/logger.js';
import type { NoxContext } from '../shared/runtime/context.js';
import { createApp, type AppOptions } from './app.js';
import type { ApiDeps } from './deps.js';
import { createEventWaiters } from './event-waiters.js';
import { attachGateway, type Gateway } from './socket/gateway.js';

/**
 * One API node: HTTP server, Socket.IO gateway, and the stream tailer that feeds both the
 * gateway and the requests waiting for their events. Stateless apart from open sockets:
 * run as many as you like behind a load balancer (sticky sessions for Socket.IO polling), or
 * as the workers of `nox api --workers N` (bin/api-cluster.ts: WebSocket only).
 */
export interface ApiServer {
  readonly url: string;
  readonly port: number;
  readonly http: Server;
  readonly gateway: Gateway;
  readonly tailer: StreamTailer;
  close(): Promise<void>;
}

export interface ServerOptions extends Partial<AppOptions> {
  /** Socket.IO over WebSocket only: for API nodes sharing a port without sticky sessions (`nox api --workers N`) */
  websocketOnly?: boolean;
}

export async function startApiServer(ctx: NoxContext, options: ServerOptions = {}): Promise<ApiServer> {
  const secret = options.secret ?? ctx.config.auth.jwt_secret;
  if (!secret) throw new ConfigError('config: auth.jwt_secret is required to run the API (set it in system-config.toml or NOX_JWT_SECRET)');
  const logger = ctx.logger.child({ component: 'api-server' });

  const waiters = createEventWaiters();
  // Events go to requests waiting for one and to browsers; with no browser connected, only
  // the types a request waits for are parsed (the gateway listens only while one is).
  // the process's one tail of the stream, shared with the registry cache and approval waiters
  const feed = eventFeedFor(ctx);
  const tailer = feed.tailer;
  const offWaiters = tailer.onEvent((event) => waiters.dispatch(event), (type) => waiters.wants(type));
  // The tail needs Redis to find where the stream ends; if Redis is down the API still
  // starts (answering 503) and the tail starts once Redis is back.
  const stopped = { value: false };
  void startWhenPossible(feed, logger, stopped);

  const deps: ApiDeps = { ctx, tailer, waiters, startedAt: Date.now() };
  const { app, guard } = createApp(deps, { ...options, secret });
  const http = createServer(app);
  const gateway = attachGateway(http, ctx, tailer, guard, options.websocketOnly === true);
  ctx.metrics.gaugeFrom(METRIC.socketConnections, (g) => g.set(gateway.io.engine.clientsCount));

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(ctx.config.api.port, ctx.config.api.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const host = ctx.config.api.host === '0.0.0.0' ? '127.0.0.1' : ctx.config.api.host;
  const url = `http://${host}:${port}`;
  logger.info('api listening', { url });

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    http,
    gateway,
    tailer,
    close() {
      closing ??= (async () => {
        http.closeIdleConnections();
        guard.close();
        await gateway.close(); // closes the HTTP server too
        http.closeAllConnections();
        // The start loop sees the flag on its next try; it is not awaited because a start()
        // blocked on an unreachable Redis only ends when that connection gives up.
        stopped.value = true;
        offWaiters();
        // the tail itself stops with the context
      })();
      return closing;
    },
  };
}

async function startWhenPossible(feed: EventFeed, logger: NoxContext['logger'], stopped: { value: boolean }): Promise<void> {
  for (let attempt = 0; !stopped.value; attempt++) {
    try {
      await feed.start();
      return;
    } catch (err) {
      if (attempt % 10 === 0) logger.warn('event stream not reachable yet; retrying', errorFields(err));
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
