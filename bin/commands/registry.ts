import os from 'node:os';
import type { Command } from 'commander';
import { userActor, type Actor, type BranchAction } from '../../shared/registry/changes.js';
import type { RegistryClient } from '../../shared/registry/registry-client.js';
import { readCommit, readGit, readHistory } from '../../shared/registry/registry-history.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { configOrExit } from '../boot.js';

/**
 * `nox registry log|show|rollback|branch|backup`. Reads (log, show, branch list) come
 * straight from the registry's git repository; writes are jobs for the registry writer
 * (`nox up`, or `nox worker --registry-writer`), authored by `user:<--as or login name>`.
 */
const out = (line: string): void => void process.stdout.write(`${line}\n`);

function actorFrom(as: string | undefined): Actor {
  return userActor(as ?? os.userInfo().username);
}

async function withClient<T>(fn: (client: RegistryClient, ctx: NoxContext) => Promise<T>): Promise<T> {
  // the queues' modules load only for the commands that write (reads come from git)
  const [{ contextFor }, { createRegistryClient }] = await Promise.all([import('../context-boot.js'), import('../../shared/registry/registry-client.js')]);
  const ctx = contextFor('cli');
  const client = createRegistryClient(ctx);
  try {
    return await fn(client, ctx);
  } catch (err) {
    if ((err as { code?: string }).code === undefined && /timed out/.test((err as Error).message)) {
      throw new Error(`${(err as Error).message}\nis a registry writer running? (nox up, or nox worker --registry-writer)`);
    }
    throw err;
  } finally {
    await client.close();
    await ctx.close();
  }
}

const json = (v: unknown): void => out(JSON.stringify(v, null, 2));

export function addRegistryCommands(program: Command): void {
  const registry = program.command('registry').description('History, rollback, branches and backup of .nox-registry/');

  registry
    .command('log')
    .description('Commits, newest first')
    .option('--path <path>', 'only commits touching this file or folder')
    .option('--actor <actor>', 'only commits by system, user:<name> or agent:<id>')
    .option('--branch <name>', 'another branch than the current one')
    .option('-n, --limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(async (o: { path?: string; actor?: string; branch?: string; limit: string; json?: boolean }) => {
      const dir = configOrExit().registryDir;
      const commits = await readHistory(dir, { path: o.path, actor: o.actor, branch: o.branch, limit: Number(o.limit) });
      if (o.json) return json(commits);
      for (const c of commits) {
        out(`${c.sha.slice(0, 10)}  ${c.at}  ${c.actor.padEnd(20)}  ${c.message}`);
        // a group commit: one line per change, whose it is and what it did
        if (c.changes.length > 1) for (const ch of c.changes) out(`${' '.repeat(12)}- ${ch.actor.padEnd(20)}  ${ch.message}  (${ch.changeId})`);
      }
    });

  registry
    .command('show <sha>')
    .description('One commit and its diff')
    .option('--json', 'print JSON')
    .action(async (sha: string, o: { json?: boolean }) => {
      const c = await readCommit(configOrExit().registryDir, sha);
      if (o.json) return json(c);
      out(`commit ${c.sha}\nAuthor: ${c.author.name} <${c.author.email}> (${c.actor})\nDate:   ${c.at}\n\n${c.body}\n`);
      process.stdout.write(c.diff);
      if (c.truncated) out('... (diff truncated)');
    });

  registry
    .command('rollback')
    .description('Restore the registry (or one path) as it was, as a new commit')
    .option('--to <sha>', 'the commit to go back to')
    .option('--at <time>', 'or: the state at this ISO time')
    .option('--path <path>', 'only this file or folder')
    .option('--as <name>', 'author (default: your login name)')
    .action(async (o: { to?: string; at?: string; path?: string; as?: string }) => {
      if (!o.to === !o.at) throw new Error('give exactly one of --to <sha> or --at <time>');
      const result = await withClient((c) => c.rollback(o.to ? { sha: o.to } : { time: o.at! }, actorFrom(o.as), o.path ? { path: o.path } : {}));
      out(result.sha ? `rolled back: ${result.sha} (${result.files.length} file(s))` : 'nothing to roll back: already in that state');
    });

  const branch = registry.command('branch').description('Branches for experimental configurations');
  branch.command('list').action(async () => {
    const git = readGit(configOrExit().registryDir);
    if (!git) return out('(no registry repository yet)');
    const b = await git.branchLocal();
    for (const name of b.all) out(`${name === b.current ? '*' : ' '} ${name}`);
  });
  const act = (action: BranchAction, as?: string) =>
    withClient(async (c) => {
      const r = await c.branch(action, actorFrom(as));
      out(`${action.action} ${r.branch}: current branch ${r.current}${r.sha ? `, merge commit ${r.sha}` : ''}`);
    });
  branch
    .command('create <name>')
    .option('--from <ref>', 'start from this commit or branch (default: current)')
    .option('--as <name>')
    .action((name: string, o: { from?: string; as?: string }) => act({ action: 'create', name, ...(o.from ? { from: o.from } : {}) }, o.as));
  branch.command('switch <name>').option('--as <name>').action((name: string, o: { as?: string }) => act({ action: 'switch', name }, o.as));
  branch
    .command('merge <name>')
    .option('--into <branch>', 'default: the current branch')
    .option('--as <name>')
    .action((name: string, o: { into?: string; as?: string }) => act({ action: 'merge', name, ...(o.into ? { into: o.into } : {}) }, o.as));
  branch.command('delete <name>').option('--as <name>').action((name: string, o: { as?: string }) => act({ action: 'delete', name }, o.as));

  registry
    .command('backup')
    .description('Push every branch to registry.backup_remote')
    .option('--as <name>')
    .action(async (o: { as?: string }) => {
      const r = await withClient((c) => c.backup(actorFrom(o.as)));
      out(`pushed ${r.branches.join(', ')} to ${r.remote}`);
    });

  registry
    .command('purge-secrets')
    .description('Rewrite the history of every branch without the secret values old versions of system-config.toml held')
    .option('--yes', 'do not ask: I consent to rewriting history')
    .option('--as <name>')
    .action(async (o: { yes?: boolean; as?: string }) => {
      if (!o.yes && !(await consent())) {
        out('nothing changed');
        return;
      }
      const r = await withClient((c) => c.purgeSecrets(actorFrom(o.as), { timeoutMs: 600_000 }));
      out(`rewrote ${r.rewrittenBlobs} version(s) of system-config.toml on ${r.branches.join(', ')}; HEAD ${r.before.slice(0, 10)} -> ${r.after.slice(0, 10)}`);
      out('old objects were pruned; clones and the backup remote still hold the old history: replace them');
    });
}

/** Asks on the terminal; anything but "purge" (or no terminal) is a no. */
async function consent(): Promise<boolean> {
  if (!process.stdin.isTTY) {
    process.stderr.write('purge-secrets rewrites the registry history: run it in a terminal, or pass --yes\n');
    return false;
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    out('This rewrites the history of every registry branch: commits from the first secret on get new shas,');
    out('old versions of system-config.toml lose their secret lines, and the old objects are deleted.');
    return (await rl.question('Type "purge" to go on: ')).trim() === 'purge';
  } finally {
    rl.close();
  }
}
