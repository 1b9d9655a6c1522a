import type { HostInfo } from '../../shared/types.js';

/**
 * Where an agent goes: a live, uncordoned host that carries every one of the agent's labels and has
 * free capacity; among those, the one with the most room (ties: the preferred host, then
 * this host, so a spawn does not bounce between queues needlessly). Undefined when none fits.
 */
export function chooseHost(
  hosts: readonly HostInfo[],
  labels: Readonly<Record<string, string>>,
  options: { preferHost?: string; selfId?: string; selfRunning?: number } = {},
): HostInfo | undefined {
  const free = (h: HostInfo): number => h.capacity - (h.id === options.selfId && options.selfRunning !== undefined ? options.selfRunning : h.running);
  const fits = hosts.filter((h) => h.alive && !h.cordoned && free(h) > 0 && Object.entries(labels).every(([k, v]) => h.labels[k] === v));
  const rank = (h: HostInfo): number => (h.id === options.preferHost ? 2 : 0) + (h.id === options.selfId ? 1 : 0);
  return fits.sort((a, b) => free(b) - free(a) || rank(b) - rank(a) || a.id.localeCompare(b.id))[0];
}

export function labelsMatch(hostLabels: Readonly<Record<string, string>>, wanted: Readonly<Record<string, string>>): boolean {
  return Object.entries(wanted).every(([k, v]) => hostLabels[k] === v);
}
