import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Issue 18, item 1: one coloured human line per entry on a terminal (a real pseudo-terminal
 * from util-linux `script`), JSON when stderr is a pipe, and LOG_FORMAT overrides either.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const program = `import('${path.join(root, 'dist/shared/logger.js')}').then(({ createLogger }) => { const l = createLogger({ base: { component: 'agents' } }); l.warn('agent crashed', { agentId: 'a1', hostId: 'vm', code: 7 }); })`;

function viaTerminal(env: Record<string, string>): string {
  // script gives the command a pty for stdin/stdout/stderr; what it printed comes back on our stdout
  return execFileSync('script', ['-qec', `${process.execPath} -e "${program}"`, '/dev/null'], { env: { ...process.env, ...env }, encoding: 'utf8' });
}


describe('log format: pretty on a terminal, JSON otherwise, LOG_FORMAT decides', () => {
  it('a pseudo-terminal gets one coloured line: time, level, component, message, key fields', () => {
    const out = viaTerminal({ LOG_FORMAT: '' });
    const lines = out.split(/\r?\n/).filter(Boolean);
    expect(lines, out).to.have.length(1);
    expect(out).to.contain('\x1b[33mWARN');
    const plain = out.replace(/\x1b\[\d+m/g, '');
    expect(plain).to.match(/^\d\d:\d\d:\d\d\.\d{3} WARN  agents agent crashed agentId=a1 hostId=vm code=7\s*$/);
    expect(() => JSON.parse(plain)).to.throw();
  });

  it('a pipe gets JSON; LOG_FORMAT=json on a terminal too, LOG_FORMAT=pretty on a pipe', async () => {
    const { spawnSync } = await import('node:child_process');
    const piped = spawnSync(process.execPath, ['-e', program], { env: { ...process.env, LOG_FORMAT: '' }, encoding: 'utf8' });
    const entry = JSON.parse(piped.stderr.trim()) as Record<string, unknown>;
    expect(entry).to.include({ level: 'warn', message: 'agent crashed', component: 'agents', agentId: 'a1', hostId: 'vm' });

    const forcedJson = viaTerminal({ LOG_FORMAT: 'json' });
    expect((JSON.parse(forcedJson.trim()) as { message: string }).message).to.equal('agent crashed');

    const forcedPretty = spawnSync(process.execPath, ['-e', program], { env: { ...process.env, LOG_FORMAT: 'pretty' }, encoding: 'utf8' });
    expect(forcedPretty.stderr.replace(/\x1b\[\d+m/g, '')).to.match(/WARN  agents agent crashed agentId=a1/);
  });
});
