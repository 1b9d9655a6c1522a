import type { LiveEvent } from '../live/types';

/**
 * Counts of events per time bucket, oldest first, from the live store's recent events
 * (which the first connect seeds with the last few minutes of the stream).
 */
export function buckets(events: LiveEvent[], now: number, bucketMs: number, count: number, keep: (e: LiveEvent) => boolean): number[] {
  const out = new Array<number>(count).fill(0);
  const start = now - bucketMs * count;
  for (const e of events) {
    if (!keep(e)) continue;
    const t = Date.parse(e.at);
    if (!(t >= start && t <= now)) continue;
    const i = Math.min(count - 1, Math.floor((t - start) / bucketMs));
    out[i] = (out[i] ?? 0) + 1;
  }
  return out;
}

export function countSince(events: LiveEvent[], since: number, keep: (e: LiveEvent) => boolean): number {
  let n = 0;
  for (const e of events) if (keep(e) && Date.parse(e.at) >= since) n++;
  return n;
}

/** Events that report something going wrong, whatever their area. */
export function isErrorEvent(e: LiveEvent): boolean {
  return /(\.|^)(error|failed|crashed|down|denied|over-budget|stalled)$/.test(e.type) || /error|crash/.test(e.type);
}
