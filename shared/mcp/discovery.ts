import { McpImageNotFoundError, McpRegistryUnreachableError } from '../errors/mcp-errors.js';
import { engineStatus, type Engine } from './engine.js';
import { inspectImage, type ImageSummary } from './images.js';

/**
 * Finding and fetching service images through the engine: its local images, its registry
 * search, and pull. The engine does the network access (Nox itself may have none), so a
 * registry that cannot be reached shows up as an engine error; we classify it and say so
 * (McpRegistryUnreachableError) instead of returning an empty list that looks like "no
 * results".
 */
export interface LocalImage {
  id: string;
  tags: string[];
  labels: Record<string, string>;
  sizeBytes: number;
  created: number;
}

export interface RemoteImage {
  name: string;
  description: string;
  stars: number;
  official: boolean;
}

export interface Discovery {
  local: LocalImage[];
  remote: { ok: true; results: RemoteImage[] } | { ok: false; reason: string };
}

const UNREACHABLE = /no such host|connection refused|dial tcp|i\/o timeout|network is unreachable|TLS handshake|pinging container registry|couldn't search registry|ETIMEDOUT|ECONNREFUSED|EAI_AGAIN/i;
const NOT_FOUND = /manifest unknown|not found|does not exist|repository name not known|name unknown/i;

export async function listLocalImages(engine: Engine, term = ''): Promise<LocalImage[]> {
  const list = await engine.docker.listImages({ all: false });
  const needle = term.toLowerCase();
  return list
    .map((i) => ({
      id: i.Id,
      tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
      labels: i.Labels ?? {},
      sizeBytes: i.Size,
      created: i.Created * 1000,
    }))
    .filter((i) => !needle || i.tags.some((t) => t.toLowerCase().includes(needle)));
}

export async function searchImages(engine: Engine, term: string, limit = 25): Promise<RemoteImage[]> {
  let results: Array<{ name?: string; Name?: string; description?: string; Description?: string; star_count?: number; Stars?: number; is_official?: boolean; Official?: string | boolean }>;
  try {
    results = (await engine.docker.searchImages({ term, limit })) as typeof results;
  } catch (err) {
    throw new McpRegistryUnreachableError(engineMessage(err), err);
  }
  return results.map((r) => ({
    name: r.name ?? r.Name ?? '',
    description: r.description ?? r.Description ?? '',
    stars: r.star_count ?? r.Stars ?? 0,
    official: r.is_official === true || r.Official === true || r.Official === '[OK]',
  }));
}

/** Local matches always; remote ones when the registry answers, else the reason it did not. */
export async function discoverImages(engine: Engine, term: string): Promise<Discovery> {
  const local = await listLocalImages(engine, term);
  try {
    return { local, remote: { ok: true, results: await searchImages(engine, term) } };
  } catch (err) {
    return { local, remote: { ok: false, reason: (err as Error).message } };
  }
}

/** Pulls `ref` through the engine and returns it; unreachable registry and unknown image are told apart. */
export async function pullImage(engine: Engine, ref: string): Promise<ImageSummary> {
  let failure: string | undefined;
  try {
    const stream = await engine.docker.pull(ref);
    await new Promise<void>((resolve, reject) => {
      engine.docker.modem.followProgress(stream, (err: Error | null, events: Array<{ error?: string }>) => {
        if (err) return reject(err);
        failure = events.find((e) => typeof e.error === 'string')?.error;
        resolve();
      });
    });
  } catch (err) {
    failure = engineMessage(err);
  }
  if (failure !== undefined) {
    if (UNREACHABLE.test(failure)) throw new McpRegistryUnreachableError(failure);
    if (NOT_FOUND.test(failure)) throw new McpImageNotFoundError(ref);
    throw new McpRegistryUnreachableError(failure);
  }
  return inspectImage(engine, ref);
}

function engineMessage(err: unknown): string {
  const json = (err as { json?: { message?: string } } | undefined)?.json;
  const text = json?.message ?? (err instanceof Error ? err.message : String(err));
  const status = engineStatus(err);
  return (status ? `HTTP ${status}: ` : '') + text.replace(/\s+/g, ' ').trim().slice(0, 500);
}
