import { readFileSync } from 'node:fs';
import net from 'node:net';
import { CLIENT_ENV } from './client-env.js';

/**
 * The endpoint client: what an agent's CLI starts, from its --mcp-config, for one MCP
 * service. To the CLI an ordinary stdio MCP server; in fact a pipe to the agent's unix
 * socket for that service, served by the worker host, which runs the service's container
 * behind it. It holds no engine address and no secret: only the socket's path and the
 * agent's token file (CLIENT_ENV).
 *
 * It sends the token as the first line, then pipes stdin to the socket and the socket to
 * stdout, byte for byte. stdin's end half-closes the socket (the host then ends the
 * container session and closes); the socket's close ends this process. A refused connection
 * gets one JSON-RPC error line from the host, which goes to stdout like any other byte.
 * Only node built-ins here: it starts once per service per agent start.
 */
function fail(message: string, code: number): never {
  process.stderr.write(`${JSON.stringify({ level: 'error', role: 'mcp-endpoint-client', message })}\n`);
  process.exit(code);
}

const socketPath = process.env[CLIENT_ENV.socket];
const tokenFile = process.env[CLIENT_ENV.tokenFile];
if (!socketPath || !tokenFile) fail(`${CLIENT_ENV.socket} and ${CLIENT_ENV.tokenFile} must be set`, 2);

let token = '';
try {
  token = readFileSync(tokenFile, 'utf8').split('\n')[0]!.trim();
} catch (err) {
  fail(`cannot read the token file ${tokenFile}: ${(err as Error).message}`, 2);
}

// allowHalfOpen: after our stdin ends, the server's last replies must still come through.
const socket = net.createConnection({ path: socketPath, allowHalfOpen: true });
socket.on('connect', () => {
  socket.write(`${token}\n`);
  process.stdin.pipe(socket);
});
socket.pipe(process.stdout, { end: false });
socket.on('error', (err) => fail(`MCP endpoint ${socketPath}: ${err.message}`, 1));
// Let stdout drain first: the server's last reply may still be in the pipe buffer.
socket.on('close', () => process.stdout.write('', () => process.exit(0)));
// The CLI went away (EPIPE): nothing is left to serve.
process.stdout.on('error', () => socket.destroy());
