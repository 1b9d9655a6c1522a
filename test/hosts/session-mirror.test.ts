import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../shared/logger.js';
import { createContext, type NoxContext } from '../../shared/runtime/context.js';
import { createSessionMirror, findSessionFile, projectSlug, restoreSession } from '../../workers/agents/session-mirror.js';
import { dropPrefix, testConfig } from '../support/harness.js';

/**
 * The session mirror's rules (workers/agents/session-mirror.ts), on real Redis and real
 * folders: whole lines only, restored under the slug of the new host's working folder with
 * private modes, a local copy that is this host's own latest kept, and a transcript over
 * the limit not mirrored — the older mirror dropped, and a warning.
 */
describe('hosts: the session mirror', function () {
  this.timeout(20_000);
  let ctx: NoxContext;
  let root: string;
  let logged = '';
  const session = '11111111-2222-4333-8444-555555555555';

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'nox-session-'));
    const logs = new PassThrough();
    logged = '';
    logs.on('data', (c: Buffer) => (logged += c.toString()));
    const config = testConfig({ registryDir: path.join(root, 'writer', '.nox-registry'), overrides: { 'agent.session_mirror_max_bytes': 1024 } });
    ctx = createContext({ config, role: 'worker', logger: createLogger({ level: 'info', stream: logs }) });
  });
  afterEach(async () => {
    await dropPrefix(ctx.config.redis.prefix);
    await ctx.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** a host's CLI config folder with the session written by "the CLI" under its working folder's slug */
  const hostWith = (name: string, content?: string): { configDir: string; cwd: string } => {
    const cwd = path.join(root, name, 'work');
    const configDir = path.join(root, name, 'claude');
    mkdirSync(cwd, { recursive: true });
    if (content !== undefined) {
      mkdirSync(path.join(configDir, 'projects', projectSlug(cwd)), { recursive: true });
      writeFileSync(path.join(configDir, 'projects', projectSlug(cwd), `${session}.jsonl`), content);
    }
    return { configDir, cwd };
  };

  it('mirrors whole lines and restores them on another host, under its working folder’s slug, private', async () => {
    const a = hostWith('a', '{"type":"user","text":"one"}\n{"type":"assistant","text":"two"}\n{"type":"user","te');
    await createSessionMirror(ctx, 'ag', a.configDir, 'host-a', ctx.logger).mirror(session);
    const b = hostWith('b');
    expect(await restoreSession(ctx, 'ag', { ...b, hostId: 'host-b' }, session, ctx.logger)).to.equal('restored');
    const file = findSessionFile(b.configDir, session)!;
    expect(path.dirname(file)).to.equal(path.join(b.configDir, 'projects', projectSlug(b.cwd)));
    expect(projectSlug(b.cwd)).to.match(/^-[A-Za-z0-9-]+$/);
    expect(readFileSync(file, 'utf8')).to.equal('{"type":"user","text":"one"}\n{"type":"assistant","text":"two"}\n');
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).to.equal(0o700);
    // another session id is not this one
    expect(await restoreSession(ctx, 'ag', { ...hostWith('c'), hostId: 'host-c' }, '99999999-2222-4333-8444-555555555555', ctx.logger)).to.equal('none');
  });

  it('keeps a local copy that is this host’s own latest', async () => {
    const a = hostWith('a', '{"type":"user","text":"one"}\n');
    await createSessionMirror(ctx, 'ag', a.configDir, 'host-a', ctx.logger).mirror(session);
    writeFileSync(findSessionFile(a.configDir, session)!, '{"type":"user","text":"one"}\n{"type":"user","text":"after the mirror"}\n');
    expect(await restoreSession(ctx, 'ag', { ...a, hostId: 'host-a' }, session, ctx.logger)).to.equal('local');
    expect(readFileSync(findSessionFile(a.configDir, session)!, 'utf8')).to.include('after the mirror');
  });

  it('does not mirror a transcript over the limit: drops the older mirror and says so', async () => {
    const a = hostWith('a', '{"type":"user","text":"small"}\n');
    const mirror = createSessionMirror(ctx, 'ag', a.configDir, 'host-a', ctx.logger);
    await mirror.mirror(session);
    expect(await ctx.redis.hexists(ctx.keys.agentSession('ag'), 'data')).to.equal(1);
    writeFileSync(findSessionFile(a.configDir, session)!, `${'{"type":"user","text":"x"}\n'.repeat(100)}`);
    await mirror.mirror(session);
    expect(await ctx.redis.hexists(ctx.keys.agentSession('ag'), 'data')).to.equal(0);
    expect(logged).to.include('session transcript too large to mirror');
    const b = hostWith('b');
    expect(await restoreSession(ctx, 'ag', { ...b, hostId: 'host-b' }, session, ctx.logger)).to.equal('too-large');
    expect(existsSync(path.join(b.configDir, 'projects'))).to.equal(false);
    expect(logged).to.include('starts a new CLI session on this host');
  });

  it('mirrors a growing transcript by appending what each turn added; a restore on another host reads all of it', async () => {
    const line = (i: number): string => `{"type":"user","text":"turn ${i} ${'x'.repeat(i % 7)}"}\n`;
    const a = hostWith('a', '');
    const file = path.join(a.configDir, 'projects', projectSlug(a.cwd), `${session}.jsonl`);
    const mirror = createSessionMirror(ctx, 'ag', a.configDir, 'host-a', ctx.logger);
    let content = '';
    for (let i = 0; i < 20; i++) {
      content += line(i);
      writeFileSync(file, `${content}{"type":"assistant","te`); // a turn still writing its next line
      await mirror.mirror(session);
    }
    // appended, not rewritten: the stored gzip is several members (each starts 1f 8b 08)
    const data = (await ctx.redis.hgetBuffer(ctx.keys.agentSession('ag'), 'data'))!;
    let members = 0;
    for (let i = 0; i + 2 < data.length; i++) if (data[i] === 0x1f && data[i + 1] === 0x8b && data[i + 2] === 0x08) members++;
    expect(members).to.be.greaterThan(10);
    expect(await ctx.redis.hget(ctx.keys.agentSession('ag'), 'bytes')).to.equal(String(Buffer.byteLength(content)));
    const b = hostWith('b');
    expect(await restoreSession(ctx, 'ag', { ...b, hostId: 'host-b' }, session, ctx.logger)).to.equal('restored');
    expect(readFileSync(findSessionFile(b.configDir, session)!, 'utf8')).to.equal(content);
  });

  it('writes the mirror whole when another host wrote it since, or the file was rewritten', async () => {
    const a = hostWith('a', '{"type":"user","text":"one"}\n');
    const file = findSessionFile(a.configDir, session)!;
    const mirror = createSessionMirror(ctx, 'ag', a.configDir, 'host-a', ctx.logger);
    await mirror.mirror(session);
    // another host took the agent over and mirrored its own copy
    const other = hostWith('other', '{"type":"user","text":"elsewhere"}\n');
    await createSessionMirror(ctx, 'ag', other.configDir, 'host-other', ctx.logger).mirror(session);
    writeFileSync(file, '{"type":"user","text":"one"}\n{"type":"user","text":"two"}\n');
    await mirror.mirror(session);
    const restore = async (): Promise<string> => {
      const b = hostWith(`b${Math.random()}`);
      expect(await restoreSession(ctx, 'ag', { ...b, hostId: 'host-b' }, session, ctx.logger)).to.equal('restored');
      return readFileSync(findSessionFile(b.configDir, session)!, 'utf8');
    };
    expect(await restore()).to.equal('{"type":"user","text":"one"}\n{"type":"user","text":"two"}\n');
    // the file rewritten with other lines of a greater length: not appended onto the old ones
    writeFileSync(file, '{"type":"user","text":"ONE"}\n{"type":"user","text":"TWO"}\n{"type":"user","text":"three"}\n');
    await mirror.mirror(session);
    expect(await restore()).to.equal('{"type":"user","text":"ONE"}\n{"type":"user","text":"TWO"}\n{"type":"user","text":"three"}\n');
  });
});
