import { expect } from 'chai';
import type { RiskLevel } from '../../shared/approvals/approval-request.js';
import { classifyCommand, MAX_COMMAND_BYTES, type WorkMeter } from '../../shared/approvals/risk.js';

/**
 * An agent controls the commands it asks about, and they are classified on a worker's event
 * loop: a 120 KB `rm -r -r -r …` once held it for seconds through backtracking patterns, long
 * enough for the host to be declared dead ("Secrets and principals", item 8). The work is
 * asserted by counting (WorkMeter: characters and words visited), not by timing; timings are
 * in `npm run bench -- risk`.
 */
describe('risk classifier against hostile input', () => {
  const workdir = '/srv/agents/a1/workspace';
  const KB = 1024;
  /** Whole `unit`s between `head` and `tail`, padded with blanks to exactly `size` characters. */
  const fill = (size: number, unit: string, head = '', tail = ''): string => {
    const room = size - head.length - tail.length;
    const units = Math.floor(room / unit.length);
    return head + unit.repeat(units) + ' '.repeat(room - units * unit.length) + tail;
  };

  /** Hostile shapes, and their level when read to the end (no length cap). */
  const SHAPES: Array<{ name: string; make: (size: number) => string; full: RiskLevel }> = [
    { name: 'rm -r -r -r … /', make: (n) => fill(n, '-r ', 'rm ', '/'), full: 'critical' },
    { name: 'rm -r -r -r … x (the old patterns backtracked on it)', make: (n) => fill(n, '-r ', 'rm ', 'x'), full: 'high' },
    { name: 'curl a | curl a | … | sh', make: (n) => fill(n, 'curl a | ', '', 'sh'), full: 'critical' },
    { name: 'curl curl curl … (no pipe)', make: (n) => fill(n, 'curl '), full: 'high' },
    { name: 'one long quoted string', make: (n) => fill(n, 'a', 'echo "', '"'), full: 'low' },
    { name: 'many ;', make: (n) => fill(n, ';'), full: 'low' },
    { name: 'ls;ls;ls;…', make: (n) => fill(n, 'ls;'), full: 'low' },
    { name: 'many pipes', make: (n) => fill(n, '|'), full: 'low' },
    { name: 'blanks between rm and /', make: (n) => fill(n, ' ', 'rm -r', ' /'), full: 'critical' },
    { name: 'env env env … rm -rf /', make: (n) => fill(n, 'env ', '', 'rm -rf /'), full: 'critical' },
    { name: 'nested $( $( $(', make: (n) => fill(n, '$('), full: 'high' },
    { name: 'nested unclear arithmetic', make: (n) => fill(n, '$((x); '), full: 'high' },
    { name: 'eval eval eval …', make: (n) => fill(n, 'eval ', '', 'ls'), full: 'high' },
    { name: 'here-documents fed to shells', make: (n) => fill(n, 'bash <<A\nbash <<B\n'), full: 'high' },
    { name: 'many here-documents', make: (n) => fill(n, 'cat <<A\n'), full: 'low' },
    { name: 'fork bombs', make: (n) => fill(n, ':(){ :|:& };'), full: 'critical' },
    { name: "$'\\x41…' escapes", make: (n) => fill(n, '\\x41', "echo $'", "'"), full: 'low' },
    { name: 'find -exec find -exec …', make: (n) => fill(n, 'find -exec '), full: 'high' },
  ];
  const classify = (line: string, maxBytes?: number): { level: RiskLevel; reasons: string[]; steps: number } => {
    const meter: WorkMeter = { steps: 0 };
    const r = classifyCommand(line, workdir, [], maxBytes === undefined ? { meter } : { meter, maxBytes });
    return { ...r, steps: meter.steps };
  };
  /**
   * A bound on the work per character: the reader visits each character about three times,
   * nested code (`bash -c`, `eval`, here-documents fed to a shell) is read again at most
   * three levels deep, and a little for the words. Quadratic work would exceed it by orders
   * of magnitude at these sizes.
   */
  const STEPS_PER_CHAR = 16;

  for (const shape of SHAPES) {
    it(`${shape.name}: 256 KB is capped, at least high, and costs no more than the first 64 KB`, () => {
      const line = shape.make(256 * KB);
      const r = classify(line);
      expect(['high', 'critical']).to.include(r.level);
      expect(r.reasons).to.include(`command too long to classify (${256 * KB} bytes)`);
      // only the first MAX_COMMAND_BYTES are read: the work does not grow with the rest
      expect(r.steps).to.be.at.most(STEPS_PER_CHAR * MAX_COMMAND_BYTES);
      expect(r.steps).to.equal(classify(line.slice(0, MAX_COMMAND_BYTES), Infinity).steps);
    });

    it(`${shape.name}: read to the end, the work grows linearly (16, 64, 256 KB)`, () => {
      const [small, medium, large] = [16, 64, 256].map((kb) => {
        const line = shape.make(kb * KB);
        const r = classify(line, Infinity);
        expect(r.level, `${kb} KB`).to.equal(shape.full);
        expect(r.steps, `${kb} KB: steps per character`).to.be.at.most(STEPS_PER_CHAR * line.length);
        return r.steps;
      }) as [number, number, number];
      // 4 times the input, about 4 times the work (quadratic would be 16 times)
      expect(medium / small, '64 KB / 16 KB').to.be.within(3, 5);
      expect(large / medium, '256 KB / 64 KB').to.be.within(3, 5);
    });
  }

  it('an ordinary command is read in full, whatever its length under the cap', () => {
    const line = `git commit -m "${'x'.repeat(MAX_COMMAND_BYTES - 20)}"`;
    const r = classify(line);
    expect(r.level).to.equal('medium');
    expect(r.reasons.join()).not.to.include('too long');
  });
});
