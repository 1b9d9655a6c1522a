import { z } from 'zod';
import { positiveMs } from './sections.js';

/** MCP services: the container engine, the catalog's limits, image uploads (docs/MCP.md). */
export const mcpSection = z
  .object({
    /**
     * Docker-API engine for MCP service containers (Docker, or Podman's API service), as
     * `unix:///path.sock` or `tcp://host:port`. Default: unset — the DOCKER_HOST environment
     * variable, else unix:///var/run/docker.sock.
     */
    docker_host: z.string().min(1).optional(),
    /** Memory limit of a service container whose catalog entry names none. Default 256 MiB. */
    default_memory_mb: z.number().int().min(8).default(256),
    /** CPU limit (cores, fractional) when the entry names none. Default 0.5. */
    default_cpus: z.number().positive().max(1024).default(0.5),
    /** Process/thread limit when the entry names none. Default 128. */
    default_pids: z.number().int().min(8).default(128),
    /** Size of the writable /tmp tmpfs every service container gets. Default 64 MiB. */
    tmpfs_mb: z.number().int().min(1).max(65_536).default(64),
    /** Seconds between SIGTERM and SIGKILL when a service container is stopped. Default 5. */
    stop_timeout_s: z.number().int().min(0).max(300).default(5),
    /** How often the host removes orphaned service containers (also once at boot). Default 30000 ms. */
    reap_interval_ms: positiveMs.default(30_000),
    /** How often the host samples its service containers' stats. Default 10000 ms. */
    stats_interval_ms: positiveMs.default(10_000),
    /**
     * Most sessions (containers) of one MCP service one agent may have open at once through
     * its endpoint; a connection beyond it is refused (ERROR_CODE.mcpEndpointBusy). The CLI opens
     * one per service. Default 4.
     */
    max_sessions_per_service: z.number().int().min(1).max(64).default(4),
    /**
     * Host path prefixes MCP service containers may bind-mount from (shared/mcp/mount-policy.ts).
     * Never, even when listed: engine sockets, /run, /var/run, /proc, /sys, /dev, the registry,
     * the secrets folder, or a folder holding one of them. Default none: no bind mounts.
     */
    mount_allow: z
      .array(z.string().startsWith('/', 'must be an absolute path').refine((p) => !p.split('/').includes('..') && !p.includes('\0'), 'must not contain ".."'))
      .max(100)
      .default([]),
    /** Largest image tar `POST /api/mcp/images` accepts (413 above it). Default 2048 MiB. */
    upload_max_mb: z.number().int().min(1).max(1_048_576).default(2048),
    /**
     * Where the API keeps uploaded image tars until a host's `mcp.import` job has fetched
     * them. Relative paths are taken from the registry folder's parent. Default
     * `<registry>/.runtime/mcp-uploads`.
     */
    upload_dir: z.string().min(1).optional(),
    /** How long an upload (its file and its download token) waits for the import job before it is deleted. Default 15 min. */
    upload_ttl_ms: positiveMs.default(15 * 60_000),
    /**
     * Base URL the hosts that import use to fetch an upload from the API
     * (`<base>/api/mcp/images/uploads/<id>/archive`). Default: `agent.api_url`, else
     * `http://127.0.0.1:<the API's port>` (hosts on the API's machine).
     */
    upload_fetch_url: z.string().url().optional(),
    /** Values of the secrets services name (`{ secret = "github-token" }`). Secrets: in the secrets file (`[mcp.secrets]`), or NOX_SECRET_<NAME> on the host. Default none. */
    secrets: z.record(z.string(), z.string()).default({}),
  })
  .strict();
