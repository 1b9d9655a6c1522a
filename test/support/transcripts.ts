import { agentConfigDir } from '../../workers/agents/claude-cli/command-line.js';
import { readRuntime } from '../../shared/agents/runtime-state.js';
import type { NoxConfig } from '../../shared/config/schema.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { readTranscript } from '../../workers/messages/deliverer.js';

/** The user turns in a session transcript's text (what the agent read), in order. */
export function userTurns(transcript: string): string[] {
  return transcript
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { type: string; text?: string })
    .filter((e) => e.type === 'user')
    .map((e) => e.text ?? '');
}

/** The user turns an agent read in its current session (from its runtime's session id). */
export async function userTurnsOf(config: NoxConfig, ctx: Pick<NoxContext, 'redis' | 'keys'>, agentId: string): Promise<string[]> {
  const runtime = await readRuntime(ctx.redis, ctx.keys, agentId);
  return userTurns(readTranscript(agentConfigDir(config, agentId), runtime?.sessionId ?? ''));
}
