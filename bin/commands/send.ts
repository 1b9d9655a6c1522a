import type { Command } from 'commander';
import { apiClient } from '../api-client.js';

/**
 * `nox send <to> <text...>` — POST /api/messages. `<to>` is an agent id, `all`, or
 * `topic:<name>`. Prints the message id.
 */
export function registerSendCommand(program: Command): void {
  program
    .command('send <to> <text...>')
    .description('Send a message to an agent, to all agents (all) or to a topic (topic:<name>)')
    .option('-t, --type <type>', 'message type (text, request, notification...)', 'text')
    .option('-p, --priority <priority>', 'critical | high | normal | low', 'normal')
    .option('--url <url>', 'API base URL')
    .action(async (to: string, text: string[], o: { type: string; priority: string; url?: string }) => {
      const r = await apiClient(o.url).call<{ id: string }>('POST', '/api/messages', { to, content: text.join(' '), message_type: o.type, priority: o.priority });
      process.stdout.write(`${r.id}\n`);
    });
}
