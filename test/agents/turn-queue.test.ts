import { expect } from 'chai';
import { createTurnQueue, type Turn } from '../../workers/agents/turn-queue.js';

describe('agent turn queue: one turn in flight, the rest wait in order', () => {
  it('writes turns one at a time, in order, each once the previous has ended', () => {
    const q = createTurnQueue(10);
    const written: Turn[] = [];
    const write = (t: Turn): boolean => written.push(t) > 0;
    q.add({ text: 'one', correlationId: 'c1' });
    q.add({ text: 'two' });
    expect(q.sendNext(write)).to.deep.equal({ text: 'one', correlationId: 'c1' });
    expect(q.current?.correlationId).to.equal('c1');
    expect(q.sendNext(write), 'a turn is in flight').to.equal(undefined);
    expect(q.length).to.equal(1);
    expect(q.end()).to.deep.equal({ text: 'one', correlationId: 'c1' });
    expect(q.current).to.equal(undefined);
    expect(q.sendNext(write)?.text).to.equal('two');
    expect(written.map((t) => t.text)).to.deep.equal(['one', 'two']);
    expect(q.sendNext(write), 'nothing left').to.equal(undefined);
  });

  it('keeps a turn first in line when it could not be written', () => {
    const q = createTurnQueue(10);
    q.add({ text: 'one' });
    q.add({ text: 'two' });
    expect(q.sendNext(() => false)).to.equal(undefined);
    expect(q.current).to.equal(undefined);
    expect(q.length).to.equal(2);
    expect(q.sendNext(() => true)?.text).to.equal('one');
  });

  it('a turn whose process died is dropped, not sent again; the waiting ones stay', () => {
    const q = createTurnQueue(10);
    q.add({ text: 'in flight' });
    q.add({ text: 'waiting' });
    q.sendNext(() => true);
    expect(q.end()?.text).to.equal('in flight');
    expect(q.end(), 'nothing in flight any more').to.equal(undefined);
    expect(q.sendNext(() => true)?.text).to.equal('waiting');
  });

  it('is full at maxWaiting turns waiting (the one in flight does not count)', () => {
    const q = createTurnQueue(2);
    q.add({ text: 'a' });
    q.add({ text: 'b' });
    expect(q.full).to.equal(true);
    q.sendNext(() => true);
    expect(q.full).to.equal(false);
  });
});
