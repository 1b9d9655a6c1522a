/**
 * Serialised answers kept by a key that names everything they are made of (an ETag), so an
 * unchanged answer is sent again without being built and serialised again. At most `max`
 * entries: the oldest goes first. Per API node, in memory.
 */
export interface BodyMemory {
  get(key: string): string | undefined;
  remember(key: string, body: string): void;
}

export function createBodyMemory(max: number): BodyMemory {
  const bodies = new Map<string, string>();
  return {
    get: (key) => bodies.get(key),
    remember(key, body) {
      if (bodies.size >= max && !bodies.has(key)) bodies.delete(bodies.keys().next().value as string);
      bodies.set(key, body);
    },
  };
}
