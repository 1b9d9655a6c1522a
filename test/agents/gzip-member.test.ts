import { expect } from 'chai';
import { gunzipSync, gzipSync } from 'node:zlib';
import { STORED_MAX, storedGzipMember } from '../../workers/agents/gzip-member.js';

describe('a stored gzip member (the session mirror’s small appends)', () => {
  it('gunzips to its bytes, alone and after compressed members, up to the largest stored block', () => {
    const first = Buffer.from('{"type":"user","text":"hello"}\n'.repeat(40));
    const turn = Buffer.from('{"type":"assistant","text":"echo: hello ✓"}\n');
    expect(gunzipSync(storedGzipMember(turn)).equals(turn)).to.equal(true);
    const stream = Buffer.concat([gzipSync(first), storedGzipMember(turn), storedGzipMember(Buffer.alloc(0)), storedGzipMember(turn)]);
    expect(gunzipSync(stream).toString()).to.equal(first.toString() + turn.toString() + turn.toString());
    const largest = Buffer.alloc(STORED_MAX, 0x61);
    expect(gunzipSync(storedGzipMember(largest)).equals(largest)).to.equal(true);
    expect(() => storedGzipMember(Buffer.alloc(STORED_MAX + 1))).to.throw(RangeError);
  });

  it('carries the CRC and length gzip checks: a changed byte is refused', () => {
    const member = storedGzipMember(Buffer.from('a line of the transcript\n'));
    const tampered = Buffer.from(member);
    tampered[20] = tampered[20]! ^ 0x01;
    expect(() => gunzipSync(tampered)).to.throw();
  });
});
