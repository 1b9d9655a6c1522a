import type { PriorityName } from '../types.js';

/**
 * BullMQ priorities: lower is sooner; 0 would mean "no priority" and jump ahead of every
 * prioritized job, so Nox always sets one of these explicitly.
 */
export const PRIORITY: Readonly<Record<PriorityName, number>> = {
  critical: 1,
  high: 5,
  normal: 10,
  low: 20,
};

export function priorityOf(name: PriorityName | undefined): number {
  return PRIORITY[name ?? 'normal'];
}
