import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';
import { redisScript } from '../redis-script.js';

/**
 * An agent's conversation: every stdout event (and every turn Nox sent) as an entry with
 * a per-agent sequence number. Hosts append in batches (one pipeline per flush); the API
 * pages by sequence number, so a reader that polls with `after=<last seq>` (the CLI's
 * `logs -f`) never misses or repeats an entry even while old entries are trimmed.
 *
 * Redis keeps the recent window (`agent.conversation_keep` entries). The registry's
 * `agents/<id>/conversations/<date>.toml` (issue 3, batched appends) is the long-term copy;
 * see docs/AGENTS.md for the state of that wiring.
 */
export interface ConversationEntry {
  seq: number;
  at: string;
  /** `turn` (sent by Nox), or the event kind (`init`, `assistant-text`, `tool-use`, `result`...) */
  kind: string;
  /** short human text where there is one */
  text?: string;
  /** the raw line as the CLI wrote it */
  raw?: unknown;
  /** on a `turn`: the request or message it came from (the turn's events carry the same id) */
  correlationId?: string;
}

export interface ConversationPage {
  entries: ConversationEntry[];
  /** seq of the newest entry kept (0 when none) */
  lastSeq: number;
  /** seq of the oldest entry still kept */
  firstSeq: number;
}

/** Appends a batch: assigns sequence numbers atomically, pushes, trims (sent by SHA: every flush of every agent runs it). */
const APPEND = redisScript(`
local n = #ARGV - 1
local last = redis.call('HINCRBY', KEYS[2], 'conversationSeq', n)
local first = last - n + 1
for i = 1, n do
  -- splice the seq in as text: a cjson round trip would turn empty arrays into objects
  redis.call('RPUSH', KEYS[1], '{"seq":' .. (first + i - 1) .. ',' .. string.sub(ARGV[i + 1], 2))
end
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[1]), -1)
return last
`);

export async function appendConversation(
  redis: Redis,
  keys: Keys,
  agentId: string,
  entries: Omit<ConversationEntry, 'seq'>[],
  keep: number,
): Promise<number> {
  if (entries.length === 0) return 0;
  return (await APPEND(redis, [keys.agentConversation(agentId), keys.agent(agentId)], [String(keep), ...entries.map((e) => JSON.stringify(e))])) as number;
}

export async function readConversation(redis: Redis, keys: Keys, agentId: string, after: number, limit: number): Promise<ConversationPage> {
  const key = keys.agentConversation(agentId);
  const [first] = await redis.lrange(key, 0, 0);
  if (!first) return { entries: [], lastSeq: 0, firstSeq: 0 };
  const firstSeq = (JSON.parse(first) as ConversationEntry).seq;
  const start = Math.max(0, after + 1 - firstSeq);
  const raw = await redis.lrange(key, start, start + limit - 1);
  const [lastRaw] = await redis.lrange(key, -1, -1);
  const lastSeq = lastRaw ? (JSON.parse(lastRaw) as ConversationEntry).seq : 0;
  return { entries: raw.map((r) => JSON.parse(r) as ConversationEntry), lastSeq, firstSeq };
}
