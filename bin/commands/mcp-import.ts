import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import type { Command } from 'commander';
import { apiClient } from '../api-client.js';

/**
 * `nox mcp import FILE [--ref r] [--wait]`: uploads an image archive (`docker save` /
 * `podman save` tar) through POST /api/mcp/images — the route the dashboard's upload uses —
 * so the image reaches the engine of a host that has one, wherever this runs. With
 * `--wait`, follows the import until the engine has it (or says why not). Progress goes
 * to stderr on a terminal.
 */
interface Upload {
  id: string;
  status: string;
  images?: string[];
  error?: string;
  size_bytes: number;
}

const out = (line: string): boolean => process.stdout.write(`${line}\n`);

export function registerMcpImport(mcp: Command): void {
  mcp
    .command('import <file>')
    .description('Upload an image archive (docker save / podman save tar) through the API; a host with a container engine imports it')
    .option('--ref <image>', 'tag the loaded image with this reference (e.g. localhost/my-tools:1)')
    .option('--wait', 'wait until the import is done (or failed)')
    .option('--json', 'print JSON')
    .option('--url <url>', 'API base URL')
    .action(async (file: string, opts: { ref?: string; wait?: boolean; json?: boolean; url?: string }) => {
      const client = apiClient(opts.url);
      const { size } = await stat(file);
      const body = createReadStream(file).pipe(progress(size));
      const query = opts.ref ? `?${new URLSearchParams({ ref: opts.ref })}` : '';
      let upload = await client.send<Upload>('POST', `/api/mcp/images${query}`, { stream: body, contentType: 'application/x-tar', length: size });
      if (!opts.json) out(`uploaded ${file} (${Math.ceil(size / 1048576)} MiB) as ${upload.id}; a host with a container engine imports it`);
      if (opts.wait) {
        while (upload.status === 'uploaded' || upload.status === 'importing') {
          await new Promise((r) => setTimeout(r, 500));
          upload = await client.call<Upload>('GET', `/api/mcp/images/uploads/${upload.id}`);
        }
      }
      if (opts.json) return void out(JSON.stringify(upload, null, 2));
      if (upload.status === 'imported') out(`imported: ${(upload.images ?? []).join(', ')}`);
      else if (upload.status === 'failed') {
        out(`import failed: ${upload.error ?? 'no reason given'}`);
        process.exitCode = 1;
      } else out(`follow it: nox mcp import-status ${upload.id}`);
    });

  mcp
    .command('import-status <uploadId>')
    .description('An image upload: uploaded, importing, imported (which images) or failed (why)')
    .option('--url <url>', 'API base URL')
    .action(async (uploadId: string, opts: { url?: string }) => {
      const u = await apiClient(opts.url).call<Upload>('GET', `/api/mcp/images/uploads/${encodeURIComponent(uploadId)}`);
      out([u.id, u.status, (u.images ?? []).join(','), u.error ?? ''].join('\t').trim());
    });
}

/** Counts bytes through; on a terminal, a percentage on stderr. */
function progress(total: number): PassThrough {
  const through = new PassThrough();
  if (!process.stderr.isTTY) return through;
  let sent = 0;
  let shown = -1;
  through.on('data', (chunk: Buffer) => {
    sent += chunk.length;
    const pct = Math.floor((sent / Math.max(total, 1)) * 100);
    if (pct !== shown) {
      shown = pct;
      process.stderr.write(`\ruploading ${pct}%`);
    }
  });
  through.on('end', () => process.stderr.write('\n'));
  return through;
}
