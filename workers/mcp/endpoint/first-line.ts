import type { Socket } from 'node:net';

/**
 * Reads the first line a client sends on a fresh connection (the agent's token) and leaves
 * every byte after it in the socket, unread and paused, for whoever reads next: the client
 * does not wait for an answer before its first JSON-RPC request, so both may arrive in one
 * chunk. Resolves undefined when no line comes: end of stream, an error, a close, more than
 * `maxBytes` without a newline, or `timeoutMs` of waiting.
 *
 * The caller keeps its own `error` listener on the socket: this one is removed when done.
 */
export interface FirstLineOptions {
  maxBytes: number;
  timeoutMs: number;
}

export function readFirstLine(socket: Socket, options: FirstLineOptions): Promise<string | undefined> {
  return new Promise((resolve) => {
    let buffered = Buffer.alloc(0);
    const finish = (line: string | undefined, rest?: Buffer): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onGone);
      socket.off('close', onGone);
      socket.off('error', onGone);
      socket.pause();
      if (rest && rest.length > 0) socket.unshift(rest);
      resolve(line);
    };
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const newline = buffered.indexOf(0x0a);
      if (newline > options.maxBytes || (newline === -1 && buffered.length > options.maxBytes)) return finish(undefined);
      if (newline === -1) return;
      finish(buffered.subarray(0, newline).toString('utf8').replace(/\r$/, ''), buffered.subarray(newline + 1));
    };
    const onGone = (): void => finish(undefined);
    const timer = setTimeout(onGone, options.timeoutMs);
    socket.on('data', onData);
    socket.once('end', onGone);
    socket.once('close', onGone);
    socket.once('error', onGone);
  });
}
