import type Docker from 'dockerode';
import { McpContainerError } from '../../../shared/errors/mcp-errors.js';
import { engineStatus, type Engine } from '../../../shared/mcp/engine.js';
import { labelFilter, ownerFromLabels, type ContainerOwner, type LABEL } from './labels.js';

/**
 * Container lifecycle on the engine, as the sessions and the watcher need it. Removal is
 * always "stop, wait until it has exited, then remove": Podman's API service refuses (or
 * half-does) a remove while the container is still exiting, and Docker is fine either way.
 * Every step tolerates the container being already gone, so callers can race the reaper.
 */
export interface ManagedContainer {
  id: string;
  name: string;
  /** engine state: created, running, exited, paused, ... */
  state: string;
  owner: ContainerOwner;
  image: string;
  createdAt: number;
}

export async function createContainer(engine: Engine, options: Docker.ContainerCreateOptions): Promise<string> {
  try {
    const c = await engine.docker.createContainer(options);
    return c.id;
  } catch (err) {
    throw new McpContainerError('create', options.name ?? options.Image ?? '?', err);
  }
}

export async function startContainer(engine: Engine, id: string): Promise<void> {
  try {
    await engine.docker.getContainer(id).start();
  } catch (err) {
    if (engineStatus(err) === 304) return; // already started
    throw new McpContainerError('start', id, err);
  }
}

/** Resolves with the exit code once the container is not running (undefined when it is gone). */
export async function waitForExit(engine: Engine, id: string, timeoutMs: number): Promise<number | undefined> {
  const c = engine.docker.getContainer(id);
  const waiting = c.wait({ condition: 'not-running' }).then(
    (r: { StatusCode?: number }) => r.StatusCode,
    (err: unknown) => {
      if (isGone(err)) return undefined;
      throw new McpContainerError('wait', id, err);
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new McpContainerError('wait', id, new Error(`still running after ${timeoutMs} ms`))), timeoutMs);
  });
  try {
    return await Promise.race([waiting, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface StopOptions {
  /** seconds between SIGTERM and SIGKILL; 0 kills at once */
  graceSeconds: number;
}

/** Stops (if running), waits for the exit, removes. Idempotent: a missing container is fine. */
export async function stopAndRemove(engine: Engine, id: string, options: StopOptions): Promise<void> {
  const c = engine.docker.getContainer(id);
  let state: string;
  try {
    state = (await c.inspect()).State.Status;
  } catch (err) {
    if (isGone(err)) return;
    throw new McpContainerError('inspect', id, err);
  }
  if (state === 'running' || state === 'paused' || state === 'restarting') {
    try {
      if (options.graceSeconds === 0) await c.kill({ signal: 'SIGKILL' });
      else await c.stop({ t: options.graceSeconds });
    } catch (err) {
      const status = engineStatus(err);
      // 304: already stopped; gone (404, or Podman's 500 "no such container": someone else
      // removed it between inspect and stop); 409/500 "not running": it exited meanwhile
      if (isGone(err)) return;
      if (status !== 304 && !/not running|is not running|stopped/i.test(String((err as Error).message))) {
        throw new McpContainerError('stop', id, err);
      }
    }
  }
  await waitForExit(engine, id, (options.graceSeconds + 10) * 1000);
  await removeExited(engine, id);
}

async function removeExited(engine: Engine, id: string): Promise<void> {
  const c = engine.docker.getContainer(id);
  for (let attempt = 0; ; attempt++) {
    try {
      await c.remove({ v: true });
      return;
    } catch (err) {
      const status = engineStatus(err);
      if (isGone(err)) return;
      // 409: removal already in progress, or the engine has not finished the exit yet.
      if (status === 409 && attempt < 20) {
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
        continue;
      }
      throw new McpContainerError('remove', id, err);
    }
  }
}

/**
 * The container no longer exists: 404, or Podman's 500 "does not exist in database" when
 * an AutoRemove container is removed while we look at it.
 */
export function isGone(err: unknown): boolean {
  return engineStatus(err) === 404 || /no such container|does not exist in database/i.test(String((err as Error | undefined)?.message ?? ''));
}

/** Every Nox-managed container matching the given labels, running or not. */
export async function listManagedContainers(
  engine: Engine,
  match: Partial<Record<keyof typeof LABEL, string>> = {},
): Promise<ManagedContainer[]> {
  const list = await engine.docker.listContainers({ all: true, filters: labelFilter(match) });
  const out: ManagedContainer[] = [];
  for (const info of list) {
    const owner = ownerFromLabels(info.Labels);
    // The engine filtered already; checking again guards against an engine that ignores filters.
    if (!owner) continue;
    if (Object.entries(match).some(([k, v]) => v !== undefined && owner[ownerKey(k)] !== v)) continue;
    out.push({
      id: info.Id,
      name: (info.Names?.[0] ?? '').replace(/^\//, ''),
      state: info.State,
      owner,
      image: info.Image,
      createdAt: info.Created * 1000,
    });
  }
  return out;
}

function ownerKey(k: string): keyof ContainerOwner {
  if (k === 'agent') return 'agentId';
  if (k === 'host') return 'hostId';
  return k as keyof ContainerOwner;
}
