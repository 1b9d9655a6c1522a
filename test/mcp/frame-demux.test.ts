import { expect } from 'chai';
import { createFrameDemuxer, encodeFrame, type FrameStream } from '../../workers/mcp/engine/frame-demux.js';

describe('mcp attach: frame demultiplexing', () => {
  const collect = () => {
    const frames: Array<[FrameStream, string]> = [];
    const demux = createFrameDemuxer((s, p) => frames.push([s, p.toString('utf8')]));
    return { frames, demux };
  };

  it('splits frames that arrive byte by byte, and many frames in one chunk', () => {
    const bytes = Buffer.concat([
      encodeFrame('stdout', Buffer.from('{"jsonrpc":"2.0","id":1}\n')),
      encodeFrame('stderr', Buffer.from('warn\n')),
      encodeFrame('stdout', Buffer.from('é')),
    ]);
    const slow = collect();
    for (let i = 0; i < bytes.length; i++) slow.demux.push(bytes.subarray(i, i + 1));
    const fast = collect();
    fast.demux.push(bytes);
    const expected = [
      ['stdout', '{"jsonrpc":"2.0","id":1}\n'],
      ['stderr', 'warn\n'],
      ['stdout', 'é'],
    ];
    expect(slow.frames).to.deep.equal(expected);
    expect(fast.frames).to.deep.equal(expected);
    expect(slow.demux.pending).to.equal(0);
  });

  it('keeps a partial frame pending until the rest arrives', () => {
    const { frames, demux } = collect();
    const frame = encodeFrame('stdout', Buffer.from('abcdef'));
    demux.push(frame.subarray(0, 10));
    expect(frames).to.have.length(0);
    expect(demux.pending).to.equal(10);
    demux.push(frame.subarray(10));
    expect(frames).to.deep.equal([['stdout', 'abcdef']]);
  });

  it('refuses a stream that is not framed (a TTY container) instead of passing garbage on', () => {
    const { demux } = collect();
    expect(() => demux.push(Buffer.from('{"jsonrpc":"2.0"}\n'))).to.throw(/not framed/);
  });
});
