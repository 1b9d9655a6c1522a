import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startToolCallingApi } from '../fixtures/mcp/tool-calling-api.js';
import { bridgeServerEntry } from '../../workers/mcp/bridge-command.js';
import { NODE_MOUNT } from '../fixtures/mcp/build-image.js';
import { testEngine } from './support/engine.js';
const { dockerHost, image } = await testEngine();
const api = await startToolCallingApi();
const dir = mkdtempSync(path.join(tmpdir(), 'nox-claude-'));
const log = path.join(dir, 'bridge.log');
const entry = bridgeServerEntry({ spec: { agentId: 'c1', service: 'echo', hostId: 'scratch2', image, limits: { memoryMb: 128, cpus: 1, pids: 64 }, mounts: [NODE_MOUNT] }, dockerHost, stopTimeoutS: 2 });
const wrapper = `const fs=require('fs');const L=(m)=>fs.appendFileSync(${JSON.stringify(log)}, new Date().toISOString()+' WRAPPER '+m+'\\n');
const c=require('child_process').spawn(process.argv[1], process.argv.slice(2), {stdio:['pipe','inherit','pipe']});
c.stderr.on('data',d=>fs.appendFileSync(${JSON.stringify(log)}, d));
process.stdin.pipe(c.stdin); process.stdin.on('end',()=>L('stdin end'));
let t0=0; for (const s of ['SIGTERM','SIGINT','SIGHUP']) process.on(s,()=>{L('got '+s); if(!t0){t0=Date.now(); setInterval(()=>L('alive +'+(Date.now()-t0)),100);} });
c.on('exit',(code)=>{L('bridge exit '+code); process.exit(code);});`;
const wrapped = { type: 'stdio', command: process.execPath, args: ['-e', wrapper, entry.command, ...entry.args], env: entry.env };
writeFileSync(path.join(dir, 'mcp.json'), JSON.stringify({ mcpServers: { echo: wrapped } }));
const bin = path.resolve('test/cli/.claude-cli/node_modules/.bin/claude');
const t0 = Date.now();
execFile(bin, ['-p', 'call-mcp mcp__echo__add {"a":2,"b":40}', '--output-format', 'stream-json', '--verbose', '--mcp-config', path.join(dir, 'mcp.json'), '--strict-mcp-config', '--allowedTools', 'mcp__echo__add'], {
  env: { PATH: process.env.PATH!, HOME: dir, CLAUDE_CONFIG_DIR: path.join(dir, 'cfg'), ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: 'sk-ant-fake', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_AUTOUPDATER: '1', DISABLE_TELEMETRY: '1', DISABLE_ERROR_REPORTING: '1' },
  cwd: dir, timeout: 60000,
}, async (err, stdout) => {
  console.log('claude done ms', Date.now() - t0, err?.message);
  for (const line of stdout.split('\n').filter(Boolean)) { const j = JSON.parse(line); if (j.type === 'result') console.log('result', j.result); }
  await new Promise(r => setTimeout(r, 6000));
  console.log(readFileSync(log, 'utf8').split('\n').map(l => { try { const j = JSON.parse(l); return `${j.timestamp} ${j.message} ${j.reason ?? ''}`; } catch { return l; } }).join('\n'));
  await api.close(); rmSync(dir, { recursive: true, force: true });
}).stdin?.end();
