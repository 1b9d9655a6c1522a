import { namedTask } from '../../shared/costs/task-attribution.js';
import type { Message } from '../../shared/messages/message-model.js';

/**
 * How messages read as a user turn. The first line of each message names its id, sender,
 * kind and priority; the id marker `[message <id>]` is also how a host that lost track of a
 * delivery finds out, from the agent's session transcript, whether the agent read it.
 */
export function messageMarker(messageId: string): string {
  return `[message ${messageId}]`;
}

function addressing(m: Message): string {
  if (m.to === 'all') return 'broadcast to all agents';
  if (m.to.startsWith('topic:')) return `published on topic ${m.to.slice(6)}`;
  return 'sent to you';
}

function one(m: Message): string {
  const task = namedTask(m.metadata);
  return `${messageMarker(m.id)} ${m.message_type} message from ${m.from}, ${addressing(m)}, priority ${m.priority}${task ? `, for task ${task}` : ''}, at ${m.timestamp}:\n${m.content}`;
}

export function turnText(messages: readonly Message[]): string {
  if (messages.length === 1) return one(messages[0]!);
  return [`${messages.length} messages arrived for you (most urgent first):`, ...messages.map(one)].join('\n\n');
}
