import type { Redis } from 'ioredis';

/**
 * Keyset pages of a sorted set read newest first (the message log, the approvals index:
 * score = epoch ms). A page starts strictly after the (score, member) of the previous
 * page's last item, in the set's own descending order — score, then member, as
 * ZREVRANGEBYSCORE orders equal scores — so members added meanwhile land before the
 * cursor (not in this walk) or after it (listed once), and none is skipped or repeated.
 * Many members may share a millisecond (a batch of messages), so the rest of the cursor's
 * own score is read first, then what is below it.
 */
export interface ZKey {
  score: number;
  member: string;
}

/** Whether (score, member) comes after `cursor` in descending order. */
export function isAfterDesc(score: number, member: string, cursor: ZKey): boolean {
  return score < cursor.score || (score === cursor.score && member < cursor.member);
}

export async function zsetPageDesc(redis: Redis, key: string, options: { min?: number; max?: number; after?: ZKey; limit: number }): Promise<{ items: ZKey[]; more: boolean }> {
  const { after, limit } = options;
  const min = options.min ?? '-inf';
  let max: number | string = options.max ?? '+inf';
  const items: ZKey[] = [];
  const want = limit + 1; // one more than asked: whether a next page exists
  if (after) {
    if (options.max === undefined || after.score <= options.max) {
      if (options.min === undefined || after.score >= options.min) {
        const same = await redis.zrevrangebyscore(key, after.score, after.score);
        for (const member of same) if (member < after.member && items.length < want) items.push({ score: after.score, member });
      }
      max = `(${after.score}`;
    }
  }
  if (items.length < want) {
    const flat = await redis.zrevrangebyscore(key, max, min, 'WITHSCORES', 'LIMIT', 0, want - items.length);
    for (let i = 0; i + 1 < flat.length; i += 2) items.push({ member: flat[i]!, score: Number(flat[i + 1]) });
  }
  return { items: items.slice(0, limit), more: items.length > limit };
}
