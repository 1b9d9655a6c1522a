import { McpImageCheckError } from '../../../shared/errors/mcp-errors.js';
import { pullImage } from '../../../shared/mcp/discovery.js';
import type { Engine } from '../../../shared/mcp/engine.js';
import { hasImage, importImageArchive, inspectImage, removeImage, type ImageSummary } from '../../../shared/mcp/images.js';

/**
 * The engine half of installing an MCP service (what the `mcp` queue runs once the
 * install_mcp approval is granted): fetch the image — import a tar a person uploaded or
 * named, or pull it — then check it can serve here. A failed check removes what this
 * install brought in, so a refused image does not linger (an image that was `present`
 * before stays: it was there before the install). Recording the service in the
 * catalog (a registry commit) is the caller's next step.
 *
 * Checks that fail the install: platform (OS/architecture) other than the engine's, size
 * over the limit. Checks that only warn (shown to the person approving): nothing to run
 * (no ENTRYPOINT/CMD — the catalog entry must then give a command), runs as root (caps are
 * dropped anyway), declared ports (a stdio server needs none; its network stays `none`).
 */
export type InstallSource = { tar: string; changes?: string[] } | { pull: true } | { present: true };

export interface InstallRequest {
  ref: string;
  source: InstallSource;
  /** largest image accepted, MiB. Default 2048. */
  maxSizeMb?: number;
}

export interface InstallResult {
  image: ImageSummary;
  warnings: string[];
  /** the ref was already on the engine before this install (a re-install or update) */
  alreadyPresent: boolean;
}

export async function installImage(engine: Engine, request: InstallRequest): Promise<InstallResult> {
  const alreadyPresent = await hasImage(engine, request.ref);
  const image =
    'tar' in request.source
      ? await importImageArchive(engine, request.source.tar, { ref: request.ref, changes: request.source.changes })
      : 'pull' in request.source
        ? await pullImage(engine, request.ref)
        : await inspectImage(engine, request.ref); // uploaded earlier: McpImageNotFoundError when it is not there
  const platform = await enginePlatform(engine);
  const { problems, warnings } = checkImage(image, platform, request.maxSizeMb ?? 2048);
  if (problems.length > 0) {
    if (!alreadyPresent) await removeImage(engine, request.ref).catch(() => undefined);
    throw new McpImageCheckError(request.ref, problems);
  }
  return { image, warnings, alreadyPresent };
}

export function checkImage(
  image: ImageSummary,
  platform: { os: string; architecture: string },
  maxSizeMb: number,
): { problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (image.os && platform.os && image.os !== platform.os) problems.push(`built for ${image.os}, the engine runs ${platform.os}`);
  const arch = normalizeArch(image.architecture);
  const engineArch = normalizeArch(platform.architecture);
  if (arch && engineArch && arch !== engineArch) problems.push(`built for ${arch}, the engine runs ${engineArch}`);
  const sizeMb = image.sizeBytes / (1024 * 1024);
  if (sizeMb > maxSizeMb) problems.push(`${Math.ceil(sizeMb)} MiB is over the ${maxSizeMb} MiB limit`);
  if (!image.entrypoint?.length && !image.cmd?.length) warnings.push('the image runs nothing by itself: the catalog entry must give a command');
  if (!image.user || image.user === '0' || image.user === 'root' || image.user.startsWith('0:')) warnings.push('runs as root inside the container (all capabilities are dropped)');
  if (image.exposedPorts.length > 0) warnings.push(`declares ports ${image.exposedPorts.join(', ')}; a stdio MCP server needs none and gets no network unless its policy names an internal one`);
  return { problems, warnings };
}

async function enginePlatform(engine: Engine): Promise<{ os: string; architecture: string }> {
  const info = (await engine.docker.info()) as { OSType?: string; Architecture?: string };
  return { os: info.OSType ?? '', architecture: info.Architecture ?? '' };
}

/** Docker says x86_64/aarch64 where images say amd64/arm64. */
function normalizeArch(arch: string): string {
  const a = arch.toLowerCase();
  if (a === 'x86_64') return 'amd64';
  if (a === 'aarch64') return 'arm64';
  return a;
}
