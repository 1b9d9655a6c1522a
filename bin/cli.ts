import { Command } from 'commander';
import { noxVersion } from '../shared/runtime/version.js';
import { registerAgentCommand } from './commands/agent.js';
import { registerApprovalCommands } from './commands/approvals.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerHostCommand } from './commands/host.js';
import { registerProjectCommand } from './commands/project.js';
import { registerMcpCommand } from './commands/mcp.js';
import { registerMessagesCommand } from './commands/messages.js';
import { parseWorkers } from './commands/parse-workers.js';
import { registerSendCommand } from './commands/send.js';
import { registerTaskCommand } from './commands/task.js';
import { mintToken } from './commands/token.js';
import { addUser, listUsers, setPassword } from './commands/user.js';
import { addRegistryCommands } from './commands/registry.js';
import { installCrashHandlers } from './crash-handlers.js';

installCrashHandlers();

/**
 * The `nox` command. Every sub-command reads the same config (system-config.toml + env).
 * The commands that run Nox itself (`up`, `api`, `worker`, `doctor`) load their modules when
 * they run: a client command (`nox agent list`) does not pay for loading the API server and
 * the worker host.
 */
const program = new Command('nox')
  .version(noxVersion())
  .description('Runs a fleet of Claude Code CLI agents as a job-queue worker cluster on Redis');

program
  .command('up')
  .description('Redis (if needed) + API + one worker host on this machine')
  .option('--demo', 'a Nox of its own (./.nox-demo) with three stand-in agents that play a short story: no API key, no network (docs/DEMO.md)')
  .option('--api-workers <n>', 'API node processes (nox api --workers); default the cores but two (the worker host and Redis share the machine), at least one', parseWorkers)
  .action(async (opts: { demo?: boolean; apiWorkers?: number }) => {
    const { runUp } = await import('./commands/up.js');
    await runUp({ demo: opts.demo === true, apiWorkers: opts.apiWorkers });
  });
program
  .command('api')
  .description('Run one API node, or N of them sharing the port (--workers)')
  .option('--workers <n>', 'API node processes sharing the port (node:cluster; Socket.IO over WebSocket only when more than 1)', parseWorkers, 1)
  .action(async (opts: { workers: number }) => {
    const { runApi } = await import('./commands/api.js');
    await runApi({ workers: opts.workers });
  });
program
  .command('worker')
  .description('Run one worker host')
  .option('--registry-writer', 'also be the registry writer (sole consumer of the registry queue)')
  .action(async (opts: { registryWriter?: boolean }) => {
    const [{ prepareRegistryFolder }, { runWorker }] = await Promise.all([import('./commands/up.js'), import('./commands/worker.js')]);
    // the writer owns the registry folder: it moves secrets out of it before anyone reads the config
    if (opts.registryWriter) await prepareRegistryFolder();
    await runWorker(opts);
  });

program
  .command('token')
  .description('Mint a JWT with the configured secret')
  .requiredOption('--role <role>', 'admin | operator | viewer | agent')
  .option('--sub <name>', 'subject (user name); for agents the agent id')
  .option('--agent <id>', 'agent id (role agent)')
  .option('--ttl <ttl>', 'lifetime, e.g. 1h, 7d', '12h')
  .action((opts: { role: string; sub?: string; agent?: string; ttl: string }) => {
    process.stdout.write(`${mintToken(opts)}\n`);
  });

program
  .command('doctor')
  .description('Check Redis, hosts, the API and a ping round trip')
  .option('--url <url>', 'API base URL')
  .action(async (opts: { url?: string }) => {
    const { runDoctor } = await import('./commands/doctor.js');
    process.exitCode = await runDoctor(opts);
  });

const user = program.command('user').description('People who can log in');
user
  .command('add <name>')
  .requiredOption('--role <role>', 'admin | operator | viewer')
  .option('--password <password>', 'default: generated and printed')
  .action(async (name: string, opts: { role: string; password?: string }) => {
    const pass = await addUser(name, opts.role, opts.password);
    process.stdout.write(opts.password ? `added ${name}\n` : `added ${name}; password: ${pass}\n`);
  });
user
  .command('passwd <name>')
  .option('--password <password>', 'default: generated and printed')
  .action(async (name: string, opts: { password?: string }) => {
    const pass = await setPassword(name, opts.password);
    process.stdout.write(opts.password ? 'password changed\n' : `new password: ${pass}\n`);
  });
user.command('list').action(() => {
  for (const u of listUsers()) process.stdout.write(`${u.name}\t${u.role}\n`);
});

registerSendCommand(program);
registerMessagesCommand(program);
registerTaskCommand(program);
registerAgentCommand(program);
registerApprovalCommands(program);
registerAuditCommands(program);
registerMcpCommand(program);
registerHostCommand(program);
registerProjectCommand(program);

addRegistryCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`nox: ${(err as Error).message}\n`);
  process.exit(1);
});
