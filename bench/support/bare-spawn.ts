import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** the stand-in agent the host benches run (~1 MB each) */
export const TINY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/tiny-claude.sh');

/** The baseline of starting agents: n of the same program spawned with plain child_process, in ms (then ended). */
export async function bareSpawn(n: number): Promise<number> {
  const t0 = performance.now();
  const children = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof spawn>>((resolve) => {
          const c = spawn('/bin/sh', [TINY], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
          c.once('spawn', () => resolve(c));
        }),
    ),
  );
  const ms = performance.now() - t0;
  await Promise.all(
    children.map(
      (c) =>
        new Promise((r) => {
          c.once('exit', r);
          c.stdin?.end();
        }),
    ),
  );
  return ms;
}
