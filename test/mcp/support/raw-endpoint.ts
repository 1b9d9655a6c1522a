import net from 'node:net';

/**
 * A connection to an agent's MCP endpoint by hand, as anything in the agent's sandbox could
 * make one: sends `firstLine` (a token, or anything else; undefined sends nothing) and then
 * `more`, then ends its side unless `keepOpen`. `closed` resolves with every byte the host
 * sent, once it has closed the connection.
 */
export interface RawConnection {
  socket: net.Socket;
  closed: Promise<string>;
}

export function rawConnect(socketPath: string, firstLine: string | undefined, options: { more?: string; keepOpen?: boolean } = {}): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path: socketPath, allowHalfOpen: true });
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString('utf8')));
    // the host closed its side: close ours, as a client does once it has read everything
    socket.on('end', () => socket.end());
    const closed = new Promise<string>((r) => socket.once('close', () => r(received.trim())));
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      if (firstLine !== undefined) socket.write(`${firstLine}\n`);
      if (options.more) socket.write(options.more);
      if (!options.keepOpen) socket.end();
      resolve({ socket, closed });
    });
  });
}
