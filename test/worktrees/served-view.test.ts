import { expect } from 'chai';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { personGit, personRepo, hostCredential } from './worktree-support.js';

/**
 * Issue 16, "Movable": one agent's URL of the served mirror shows the project's base and that
 * agent's branch, and no other agent's (docs/WORKTREES.md, "What a host sees"). A host whose
 * credential may use alpha's URL lists its refs — for a fetch and for a push — and finds no
 * trace of beta's branch, and cannot have beta's commit by asking for its id: with git's own
 * client (protocol v2 asked for) nor with a raw request of either protocol.
 */
describe('projects: an agent’s URL of the served mirror shows only the base and its own branch', function () {
  this.timeout(120_000);
  let stack: AgentStack;
  let repo: string;
  let work: string;
  let credential: string;

  before(async () => {
    stack = await startAgentStack({ hosts: 0 });
    repo = personRepo();
    // the person's repository has another branch checked out: the served mirror's HEAD is the base all the same
    personGit(repo, 'checkout', '-q', '-b', 'side');
    personGit(repo, 'commit', '-q', '--allow-empty', '-m', 'side work');
    work = mkdtempSync(path.join(os.tmpdir(), 'nox-served-view-'));
    await stack.json('POST', '/api/projects', 201, { body: { name: 'sv', repo } });
    for (const id of ['alpha', 'beta', 'alphabet', 'gamma']) await stack.createAgent({ id, project: 'sv' });
    // bound to a host id: the agents are placed nowhere yet, so any host may use their URLs
    credential = await hostCredential(stack, 'viewer');
  });
  after(async () => {
    await stack.cleanup();
    rmSync(repo, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  const urlOf = (agentId: string): string => `${stack.api.url}/api/projects/sv/agents/${agentId}/git`;
  /** git with the host's credential; resolves to what it printed and whether it succeeded */
  const hostGit = (...args: string[]): Promise<{ ok: boolean; out: string }> =>
    new Promise((resolve) => {
      execFile('git', ['-c', `http.extraHeader=Authorization: Bearer ${credential}`, ...args], { encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' } }, (err, stdout, stderr) => {
        resolve({ ok: !err, out: `${stdout}${stderr}` });
      });
    });
  /** a commit on the base, made in a clone of the project, pushed as the agent's branch through its URL */
  const pushWork = async (agentId: string): Promise<string> => {
    const clone = path.join(work, agentId);
    personGit(work, 'clone', '-q', '-b', 'main', repo, clone);
    writeFileSync(path.join(clone, `${agentId}.txt`), `${agentId}\n`);
    personGit(clone, 'add', '-A');
    personGit(clone, 'commit', '-q', '-m', `${agentId} work`);
    const pushed = await hostGit('-C', clone, 'push', urlOf(agentId), `HEAD:refs/heads/nox/${agentId}`);
    expect(pushed.ok, pushed.out).to.equal(true);
    return personGit(clone, 'rev-parse', 'HEAD');
  };
  const pkt = (line: string): string => `${(line.length + 4).toString(16).padStart(4, '0')}${line}`;
  const uploadPack = async (body: string, headers: Record<string, string> = {}): Promise<Buffer> => {
    const res = await fetch(`${urlOf('alpha')}/git-upload-pack`, {
      method: 'POST',
      headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/x-git-upload-pack-request', ...headers },
      body,
    });
    return Buffer.from(await res.arrayBuffer());
  };

  it('lists the base and alpha’s branch to alpha’s URL, never beta’s, and will not send beta’s commit by its id', async () => {
    const betaSha = await pushWork('beta');
    const alphaSha = await pushWork('alpha');
    await pushWork('alphabet'); // a name that begins with alpha's: hidden from alpha too
    const main = personGit(repo, 'rev-parse', 'main');

    const listed = await hostGit('ls-remote', urlOf('alpha'));
    expect(listed.ok, listed.out).to.equal(true);
    const refs = listed.out
      .split('\n')
      .filter((l) => /^[0-9a-f]{40}\t/.test(l))
      .map((l) => l.split('\t')[1])
      .sort();
    expect(refs).to.deep.equal(['HEAD', 'refs/heads/main', 'refs/heads/nox/alpha']);
    expect(listed.out).to.contain(`${main}\tHEAD`).and.not.contain(personGit(repo, 'rev-parse', 'side'));
    expect(listed.out).to.contain(`${alphaSha}\trefs/heads/nox/alpha`).and.contain(`${main}\trefs/heads/main`).and.not.contain(betaSha);

    // a push's advertisement shows no more
    const advert = await (await fetch(`${urlOf('alpha')}/info/refs?service=git-receive-pack`, { headers: { authorization: `Bearer ${credential}` } })).text();
    expect(advert).to.contain('refs/heads/nox/alpha').and.not.contain('nox/beta').and.not.contain('nox/alphabet').and.not.contain(betaSha);

    // beta's own URL still shows beta's branch (to a host that may use it)
    expect((await hostGit('ls-remote', urlOf('beta'), 'refs/heads/nox/beta')).out).to.contain(betaSha);

    // git's client, protocol v2 asked for: alpha's branch comes, beta's commit by id does not
    const fetcher = path.join(work, 'fetcher');
    personGit(work, 'init', '-q', '--bare', fetcher);
    const own = await hostGit('-c', 'protocol.version=2', '--git-dir', fetcher, 'fetch', urlOf('alpha'), 'refs/heads/nox/alpha');
    expect(own.ok, own.out).to.equal(true);
    const byId = await hostGit('-c', 'protocol.version=2', '--git-dir', fetcher, 'fetch', urlOf('alpha'), betaSha);
    expect(byId.ok, byId.out).to.equal(false);
    expect((await hostGit('--git-dir', fetcher, 'cat-file', '-e', betaSha)).ok).to.equal(false);

    // raw requests, as a hostile host would send them: no pack comes back for beta's commit
    const v2 = await uploadPack(`${pkt('command=fetch\n')}0001${pkt(`want ${betaSha}\n`)}${pkt('done\n')}0000`, { 'git-protocol': 'version=2' });
    expect(v2.includes('PACK'), v2.toString('latin1').slice(0, 300)).to.equal(false);
    const v0 = await uploadPack(`${pkt(`want ${betaSha}\n`)}0000${pkt('done\n')}`);
    expect(v0.includes('PACK'), v0.toString('latin1').slice(0, 300)).to.equal(false);
    // the same raw request for alpha's own commit does get its pack (the requests above are well formed)
    const mine = await uploadPack(`${pkt(`want ${alphaSha}\n`)}0000${pkt('done\n')}`);
    expect(mine.includes('PACK'), mine.toString('latin1').slice(0, 300)).to.equal(true);

    // a host that knows the id names beta's commit as the new tip of gamma's branch, sending
    // no objects, to fetch it through gamma's URL after: refused
    const header = Buffer.concat([Buffer.from('PACK'), Buffer.from([0, 0, 0, 2, 0, 0, 0, 0])]);
    const emptyPack = Buffer.concat([header, createHash('sha1').update(header).digest()]);
    const pushRes = await fetch(`${urlOf('gamma')}/git-receive-pack`, {
      method: 'POST',
      headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/x-git-receive-pack-request' },
      body: Buffer.concat([Buffer.from(`${pkt(`${'0'.repeat(40)} ${betaSha} refs/heads/nox/gamma\0report-status\n`)}0000`), emptyPack]),
    });
    const report = await pushRes.text();
    expect(report).to.contain('ng refs/heads/nox/gamma').and.not.contain('ok refs/heads/nox/gamma');
    expect((await hostGit('ls-remote', urlOf('gamma'))).out).to.not.contain('nox/gamma').and.not.contain(betaSha);
  });

  it('a host cannot reach another agent’s objects through its own URL: not by a commit naming its tree, not by a thin pack', async () => {
    for (const id of ['victim', 'thief']) await stack.createAgent({ id, project: 'sv' });
    // the victim's work: a large file of its own (a thin pack can then be a tiny delta against it)
    const victimClone = path.join(work, 'victim');
    personGit(work, 'clone', '-q', '-b', 'main', repo, victimClone);
    const secret = Array.from({ length: 400 }, (_, i) => `victim secret line ${i} ${createHash('sha1').update(`${i}-${Date.now()}`).digest('hex')}`).join('\n');
    writeFileSync(path.join(victimClone, 'secret.txt'), `${secret}\n`);
    personGit(victimClone, 'add', '-A');
    personGit(victimClone, 'commit', '-q', '-m', 'victim work');
    expect((await hostGit('-C', victimClone, 'push', urlOf('victim'), 'HEAD:refs/heads/nox/victim')).ok).to.equal(true);
    const victimSha = personGit(victimClone, 'rev-parse', 'HEAD');
    const victimTree = personGit(victimClone, 'rev-parse', 'HEAD^{tree}');
    const victimBlob = personGit(victimClone, 'rev-parse', 'HEAD:secret.txt');
    const thiefSha = await pushWork('thief');

    // the forger holds both (in a real attack it would know only the ids; git needs the objects to build what it sends)
    const forge = path.join(work, 'forge');
    personGit(work, 'init', '-q', '--bare', forge);
    personGit(forge, 'fetch', '-q', victimClone, `${victimSha}:refs/heads/victim`);
    personGit(forge, 'fetch', '-q', path.join(work, 'thief'), `${thiefSha}:refs/heads/thief`);
    const receivePack = async (oldSha: string, newSha: string, pack: Buffer): Promise<string> => {
      const res = await fetch(`${urlOf('thief')}/git-receive-pack`, {
        method: 'POST',
        headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/x-git-receive-pack-request' },
        body: Buffer.concat([Buffer.from(`${pkt(`${oldSha} ${newSha} refs/heads/nox/thief\0report-status\n`)}0000`), pack]),
      });
      return res.text();
    };
    const packOf = (input: string, ...flags: string[]): Promise<Buffer> =>
      new Promise((resolve, reject) => {
        const child = execFile('git', ['--git-dir', forge, 'pack-objects', '--stdout', '-q', ...flags], { encoding: 'buffer', maxBuffer: 1 << 26 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
        child.stdin!.end(input);
      });

    // 1. a commit on the thief's branch whose tree is the victim's, sent alone
    const forged = personGit(forge, 'commit-tree', victimTree, '-p', thiefSha, '-m', 'forged');
    const forgedReport = await receivePack(thiefSha, forged, await packOf(`${forged}\n`));
    expect(forgedReport).to.not.contain('ok refs/heads/nox/thief');

    // 2. a thin pack: a new file sent as a delta against the victim's file (copy all of it, add a line), which the
    // pack does not carry, in a tree and a commit on the thief's branch. A server that completed the pack from what
    // it holds (index-pack --fix-thin) would then serve the thief the victim's text.
    const stolen = Buffer.from(`${secret}\nand one line more\n`);
    const blobId = objectId('blob', stolen);
    const tree = Buffer.concat([Buffer.from('100644 secret.txt\0'), Buffer.from(blobId, 'hex')]);
    const treeId = objectId('tree', tree);
    const commit = Buffer.from(`tree ${treeId}\nparent ${thiefSha}\nauthor t <t@t> 1700000000 +0000\ncommitter t <t@t> 1700000000 +0000\n\nthin\n`);
    const base = Buffer.from(`${secret}\n`);
    const delta = Buffer.concat([varint(base.length), varint(stolen.length), copyAll(base.length), insert(stolen.subarray(base.length))]);
    const pack = packOf3([
      [1, commit],
      [2, tree],
      [7, delta, victimBlob],
    ]);
    expect(objectId('blob', Buffer.concat([base, stolen.subarray(base.length)]))).to.equal(blobId);
    const thinReport = await receivePack(thiefSha, objectId('commit', commit), pack);
    expect(thinReport).to.not.contain('ok refs/heads/nox/thief');

    // the thief's branch did not move, and nothing of the victim's comes through the thief's URL
    expect((await hostGit('ls-remote', urlOf('thief'), 'refs/heads/nox/thief')).out).to.contain(thiefSha);
    const fetcher = path.join(work, 'thief-fetcher');
    personGit(work, 'init', '-q', '--bare', fetcher);
    expect((await hostGit('--git-dir', fetcher, 'fetch', urlOf('thief'), 'refs/heads/nox/thief:refs/heads/got')).ok).to.equal(true);
    expect((await hostGit('--git-dir', fetcher, 'cat-file', '-e', victimBlob)).ok).to.equal(false);
    expect((await hostGit('--git-dir', fetcher, 'cat-file', '-e', victimTree)).ok).to.equal(false);

    // the same two pushes against what the thief's URL does show are taken, so the refusals above are the boundary's
    // and not malformed pushes: a commit alone naming the base's tree, then a thin pack whose delta base is the base's file
    const mainSha = personGit(repo, 'rev-parse', 'main');
    const lone = personGit(forge, 'commit-tree', personGit(repo, 'rev-parse', 'main^{tree}'), '-p', thiefSha, '-m', 'lone');
    expect(await receivePack(thiefSha, lone, await packOf(`${lone}\n`))).to.contain('ok refs/heads/nox/thief');
    const shared = Buffer.from(personGit(repo, 'show', `${mainSha}:shared.txt`) + '\n');
    const grown = Buffer.concat([shared, Buffer.from('and one line more\n')]);
    const grownTree = Buffer.concat([Buffer.from('100644 shared.txt\0'), Buffer.from(objectId('blob', grown), 'hex')]);
    const grownCommit = Buffer.from(`tree ${objectId('tree', grownTree)}\nparent ${lone}\nauthor t <t@t> 1700000000 +0000\ncommitter t <t@t> 1700000000 +0000\n\nthin on the base\n`);
    const control = packOf3([
      [1, grownCommit],
      [2, grownTree],
      [7, Buffer.concat([varint(shared.length), varint(grown.length), copyAll(shared.length), insert(grown.subarray(shared.length))]), personGit(repo, 'rev-parse', `${mainSha}:shared.txt`)],
    ]);
    expect(await receivePack(lone, objectId('commit', grownCommit), control)).to.contain('ok refs/heads/nox/thief');
  });
});

/** A git object's id: sha1 of "<type> <size>\0<content>". */
function objectId(type: string, content: Buffer): string {
  return createHash('sha1').update(Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content])).digest('hex');
}

/** The size varint of a delta's header (7 bits a byte, least significant first). */
function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

/** A delta instruction copying `size` bytes from offset 0 of the base (size < 16 MB). */
function copyAll(size: number): Buffer {
  return Buffer.from([0x80 | 0x10 | 0x20 | 0x40, size & 0xff, (size >> 8) & 0xff, (size >> 16) & 0xff]);
}

/** A delta instruction inserting `bytes` (fewer than 128). */
function insert(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/** A version-2 pack of these entries: [type, data] (1 commit, 2 tree, 3 blob) or [7, delta, base id] (a REF_DELTA). */
function packOf3(entries: Array<[number, Buffer, string?]>): Buffer {
  const parts: Buffer[] = [Buffer.from('PACK'), Buffer.from([0, 0, 0, 2]), Buffer.from([0, 0, 0, entries.length])];
  for (const [type, data, base] of entries) {
    let size = data.length;
    const head: number[] = [(type << 4) | (size & 0x0f)];
    size >>>= 4;
    while (size > 0) {
      head[head.length - 1]! |= 0x80;
      head.push(size & 0x7f);
      size >>>= 7;
    }
    parts.push(Buffer.from(head));
    if (base) parts.push(Buffer.from(base, 'hex'));
    parts.push(deflateSync(data));
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}
