import { io, type Socket } from 'socket.io-client';

/**
 * A Socket.IO client for the security tests: `open` resolves once the gateway says `ready`
 * (or rejects with the handshake's refusal), and the probe records how the socket ended —
 * the `auth-lost` notice and the disconnect reason.
 */
export interface SocketProbe {
  socket: Socket;
  /** resolves with `{code}` of the `auth-lost` notice and the disconnect reason */
  ended: Promise<{ code?: string; reason: string }>;
}

export type Refusal = Error & { data?: { code?: string; limit?: number; retryAfter?: number } };

export function openSocket(url: string, auth: Record<string, unknown>, extra: { extraHeaders?: Record<string, string> } = {}): Promise<SocketProbe> {
  const socket = io(url, { auth, transports: ['websocket'], reconnection: false, ...extra });
  let lost: { code?: string } = {};
  socket.on('auth-lost', (info: { code?: string }) => (lost = info));
  const ended = new Promise<{ code?: string; reason: string }>((resolve) => socket.once('disconnect', (reason) => resolve({ ...lost, reason })));
  return new Promise((resolve, reject) => {
    socket.once('ready', () => resolve({ socket, ended }));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** the refusal of a handshake that must fail */
export async function refusedHandshake(url: string, auth: Record<string, unknown>, extra: { extraHeaders?: Record<string, string> } = {}): Promise<Refusal> {
  try {
    const probe = await openSocket(url, auth, extra);
    probe.socket.close();
  } catch (err) {
    return err as Refusal;
  }
  throw new Error('the handshake was accepted');
}

/** rejects after `ms` so a socket that stays open fails the test instead of hanging it */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms))]);
}
