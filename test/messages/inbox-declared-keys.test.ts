import { expect } from 'chai';
import { Redis } from 'ioredis';
import { createLogger } from '../../shared/logger.js';
import { createMessageLog } from '../../shared/messages/message-log.js';
import { newMessage } from '../../shared/messages/message-model.js';
import { createContext, type NoxContext } from '../../shared/runtime/context.js';
import { createInbox, type Inbox } from '../../workers/messages/inbox.js';
import { dropPrefix, redisUrl, testConfig } from '../support/harness.js';

/**
 * Every key the inbox's Lua scripts read or write is one the call passed in KEYS (Redis's
 * scripting contract; Redis Cluster routes and checks a script by its KEYS). Standalone Redis
 * does not enforce it, so this watches MONITOR, which lists each command a script runs
 * (source `lua`), takes their keys with COMMAND GETKEYS, and compares them with the KEYS of
 * the EVALSHA/EVAL of the same inbox call. Also: each call is one script call.
 */
describe('messages: the inbox scripts touch only the keys they are given', () => {
  let ctx: NoxContext;
  let inbox: Inbox;
  let monitor: Awaited<ReturnType<Redis['monitor']>>;
  let lines: { args: string[]; source: string }[];
  let marks = 0;
  const KEEP = 100_000;

  beforeEach(async () => {
    ctx = createContext({ config: testConfig(), role: 'worker', logger: createLogger({ level: 'silent' }) });
    inbox = createInbox(ctx.redis, ctx.keys);
    lines = [];
    monitor = await new Redis(redisUrl()).monitor();
    monitor.on('monitor', (_time: string, args: string[], source: string) => lines.push({ args, source }));
  });
  afterEach(async () => {
    monitor.disconnect();
    await dropPrefix(ctx.config.redis.prefix);
    await ctx.close();
  });

  /** runs one inbox call; answers the keys its script calls declared, the keys their commands touched, and how many script calls it made */
  const watch = async (call: () => Promise<unknown>): Promise<{ declared: Set<string>; touched: Set<string>; scripts: number }> => {
    const begin = `${ctx.config.redis.prefix}:begin:${++marks}`;
    const end = `${ctx.config.redis.prefix}:end:${marks}`;
    const seen = (mark: string): number => lines.findIndex((l) => l.args[0]?.toLowerCase() === 'echo' && l.args[1] === mark);
    await ctx.redis.echo(begin);
    await call();
    await ctx.redis.echo(end);
    const deadline = Date.now() + 5000;
    while (seen(end) < 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(seen(begin), 'MONITOR saw the call start').to.be.at.least(0);
    expect(seen(end), 'MONITOR saw the call end').to.be.greaterThan(seen(begin));
    const window = lines.slice(seen(begin) + 1, seen(end));
    const ours = (key: string): boolean => key.startsWith(ctx.config.redis.prefix);
    const declared = new Set<string>();
    let scripts = 0;
    for (const { args } of window) {
      const cmd = args[0]!.toLowerCase();
      if (cmd !== 'evalsha' && cmd !== 'eval') continue;
      const keys = args.slice(3, 3 + Number(args[2]));
      if (!keys.some(ours)) continue; // another test's script
      if (cmd === 'evalsha') scripts++;
      for (const k of keys) declared.add(k);
    }
    const touched = new Set<string>();
    for (const { args, source } of window) {
      if (source !== 'lua') continue;
      const keys = (await ctx.redis.call('COMMAND', 'GETKEYS', ...args)) as string[];
      for (const k of keys) if (ours(k)) touched.add(k);
    }
    return { declared, touched, scripts };
  };

  const stored = async (n: number, to = 'dk'): Promise<string[]> => {
    const log = createMessageLog(ctx.redis, ctx.keys);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const m = newMessage({ to, message_type: 'text', content: `c${i}`, priority: 'normal', metadata: {} }, 'user:t');
      await log.record(m, [to], 60_000, 1000);
      ids.push(m.id);
    }
    return ids;
  };

  const expectDeclared = (step: string, r: { declared: Set<string>; touched: Set<string>; scripts: number }): void => {
    expect(r.scripts, `${step}: EVALSHA calls`).to.equal(1);
    expect(r.touched.size, `${step}: keys touched`).to.be.greaterThan(0);
    expect([...r.touched].filter((k) => !r.declared.has(k)), `${step}: keys touched but not in KEYS`).to.deep.equal([]);
  };

  it('add, addMany (added and refused), claim, confirm, confirmAndClaim (both answers), requeue, requeueMany', async () => {
    const ids = await stored(6);
    expectDeclared('add', await watch(() => inbox.add('dk', ids[0]!, 'normal')));
    expectDeclared('addMany', await watch(() => inbox.addMany('dk', ids.slice(1, 5).map((id) => ({ id, priority: 'normal' as const })))));
    expectDeclared('addMany refused', await watch(() => inbox.addMany('dk', [{ id: ids[5]!, priority: 'high' }, { id: 'm-not-stored', priority: 'normal' }]).then(() => expect.fail('added a message not stored'), (err: Error) => expect(err.message).to.match(/NOMESSAGE/))));
    expectDeclared('confirmAndClaim, claiming', await watch(() => inbox.confirmAndClaim('dk', 100, 2, KEEP)));
    expectDeclared('confirmAndClaim, another process’s claims', await watch(() => inbox.confirmAndClaim('dk', 200, 2, KEEP)));
    expectDeclared('confirm', await watch(() => inbox.confirm('dk', 200)));
    expectDeclared('requeueMany', await watch(() => inbox.requeueMany('dk', ids.slice(0, 2))));
    expectDeclared('claim', await watch(() => inbox.claim('dk', 300, 1, KEEP)));
    expectDeclared('requeue', await watch(() => inbox.requeue('dk', ids[0]!)));
    expect(await inbox.size('dk')).to.equal(5);
  });
});
