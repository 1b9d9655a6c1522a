/**
 * The Docker attach/logs stream without a TTY multiplexes stdout and stderr into frames:
 * an 8-byte header — byte 0 the stream (0 stdin, 1 stdout, 2 stderr), bytes 1-3 zero,
 * bytes 4-7 the payload length, big-endian — then the payload. A frame may arrive split
 * across socket chunks, and one chunk may hold many frames, so bytes are buffered until a
 * whole frame is present.
 */
export type FrameStream = 'stdin' | 'stdout' | 'stderr';

const STREAMS: Record<number, FrameStream> = { 0: 'stdin', 1: 'stdout', 2: 'stderr' };
const HEADER = 8;

export interface FrameDemuxer {
  push(chunk: Buffer): void;
  /** bytes of a partial frame still waiting for the rest (non-zero at close = truncated stream) */
  readonly pending: number;
}

export function createFrameDemuxer(onFrame: (stream: FrameStream, payload: Buffer) => void): FrameDemuxer {
  let buffered: Buffer = Buffer.alloc(0);
  return {
    push(chunk) {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= HEADER) {
        const streamByte = buffered[0]!;
        const stream = STREAMS[streamByte];
        // Check the header before waiting for its payload: bytes that are not frames (a
        // TTY container, a proxy answering in plain text) would otherwise read as a huge
        // length and stall forever. Fail loudly rather than corrupt or hang JSON-RPC.
        if (!stream || buffered[1] !== 0 || buffered[2] !== 0 || buffered[3] !== 0) {
          throw new Error(`attach stream is not framed (header ${buffered.subarray(0, HEADER).toString('hex')})`);
        }
        const size = buffered.readUInt32BE(4);
        if (buffered.length < HEADER + size) break;
        const payload = buffered.subarray(HEADER, HEADER + size);
        buffered = buffered.subarray(HEADER + size);
        if (size > 0) onFrame(stream, payload);
      }
    },
    get pending() {
      return buffered.length;
    },
  };
}

/** The inverse, for tests and for engines that expect framed input: one frame. */
export function encodeFrame(stream: FrameStream, payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER);
  header[0] = stream === 'stdin' ? 0 : stream === 'stdout' ? 1 : 2;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}
