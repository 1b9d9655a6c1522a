/**
 * A lean JSON-over-HTTP client for load generators: node:http with keep-alive sockets, so the
 * client's own cost (undici's fetch costs about twice as much per request here) does not
 * eat the CPU the server under test needs.
 */
import { Agent, request } from 'node:http';

export interface HttpClient {
  send<T = unknown>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): void;
}

export function httpClient(token: string, maxSockets = 64): HttpClient {
  const agent = new Agent({ keepAlive: true, maxSockets });
  return {
    send(method, url, body) {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const once = (): Promise<{ status: number; body: never }> =>
        new Promise((resolve, reject) => {
          const req = request(url, { method, agent, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              try {
                resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : undefined) as never });
              } catch (err) {
                reject(err as Error);
              }
            });
            res.on('error', reject);
          });
          // a kept-alive socket the server closed as we reused it: the request never reached it (Node's documented retry case)
          req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' && req.reusedSocket ? once().then(resolve, reject) : reject(err)));
          req.end(payload);
        });
      return once();
    },
    close: () => agent.destroy(),
  };
}
