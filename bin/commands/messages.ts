import type { Command } from 'commander';
import type { Message } from '../../shared/messages/message-model.js';
import { apiClient } from '../api-client.js';
import { followPages } from '../follow-pages.js';

/**
 * `nox messages` — the message log, newest first (GET /api/messages), following the cursors
 * up to `--limit` messages (`--all`: to the end of the log).
 */
const out = (line: string): boolean => process.stdout.write(`${line}\n`);

export function formatMessage(m: Message): string {
  return [m.timestamp, m.id, m.from, m.to, m.message_type, m.priority, m.content.replace(/\s+/g, ' ').slice(0, 120)].join('\t');
}

export function registerMessagesCommand(program: Command): void {
  program
    .command('messages')
    .description('The message log, newest first')
    .option('--agent <id>', 'sent or received by this agent')
    .option('--topic <name>', 'published on this topic')
    .option('--since <time>', 'from this ISO time')
    .option('--until <time>', 'up to this ISO time')
    .option('--limit <n>', 'at most this many messages', '50')
    .option('--all', 'every message the log keeps')
    .option('--page-size <n>', 'messages per request', '200')
    .option('--json', 'print JSON lines')
    .option('--url <url>', 'API base URL')
    .action(async (o: { agent?: string; topic?: string; since?: string; until?: string; limit: string; all?: boolean; pageSize: string; json?: boolean; url?: string }) => {
      const query = new URLSearchParams();
      for (const [k, v] of [['agent', o.agent], ['topic', o.topic], ['since', o.since], ['until', o.until]] as const) if (v) query.set(k, v);
      const { items, total, more } = await followPages<Message>(apiClient(o.url), '/api/messages', query, 'messages', o.all ? Infinity : Number(o.limit), Number(o.pageSize));
      for (const m of items) out(o.json ? JSON.stringify(m) : formatMessage(m));
      if (!o.json) process.stderr.write(`${items.length} of ${total ?? '?'}${more ? ' (more: --limit, --all)' : ''}\n`);
    });
}
