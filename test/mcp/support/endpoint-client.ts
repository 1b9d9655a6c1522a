import type { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { EndpointClientEntry } from '../../../workers/mcp/endpoint/client-entry.js';

/**
 * Starts an agent's MCP entry the way its CLI does — a stdio MCP server from an
 * --mcp-config entry (the endpoint client) — with the SDK's own client, and connects.
 * `stderr()` is what the endpoint client wrote.
 */
export interface ClientSession {
  client: Client;
  transport: StdioClientTransport;
  stderr(): string;
}

export async function connectClient(entry: EndpointClientEntry): Promise<ClientSession> {
  const transport = new StdioClientTransport({
    command: entry.command,
    args: entry.args,
    // Only what the entry gives (plus PATH), as the CLI would: nothing leaks from the test's env.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...entry.env },
    stderr: 'pipe',
  });
  let stderr = '';
  (transport.stderr as PassThrough | null)?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const client = new Client({ name: 'nox-test-client', version: '1.0.0' });
  try {
    await client.connect(transport);
  } catch (err) {
    await client.close().catch(() => undefined);
    throw Object.assign(err as Error, { clientStderr: stderr });
  }
  return { client, transport, stderr: () => stderr };
}
