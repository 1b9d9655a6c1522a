import { crc32 } from 'node:zlib';

/**
 * A gzip member that stores its bytes as they are (RFC 1952 around one RFC 1951 "stored"
 * block): no deflate state to set up, which for a turn's few hundred bytes of transcript
 * costs more than compressing them saves. A concatenation of gzip members is one gzip
 * stream, so it can follow compressed members (session-mirror.ts appends them).
 */
export const STORED_MAX = 0xffff;

export function storedGzipMember(data: Buffer): Buffer {
  if (data.length > STORED_MAX) throw new RangeError(`a stored block holds at most ${STORED_MAX} bytes, not ${data.length}`);
  const out = Buffer.allocUnsafe(10 + 5 + data.length + 8);
  // header: magic, deflate, no flags, no mtime, no extra flags, OS unknown
  out.set([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff], 0);
  // the last block (BFINAL 1), stored (BTYPE 00), then LEN and its complement
  out[10] = 0x01;
  out.writeUInt16LE(data.length, 11);
  out.writeUInt16LE(~data.length & 0xffff, 13);
  data.copy(out, 15);
  out.writeUInt32LE(crc32(data) >>> 0, 15 + data.length);
  out.writeUInt32LE(data.length, 19 + data.length);
  return out;
}
