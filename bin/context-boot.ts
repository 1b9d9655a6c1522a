import type { LoadConfigOptions } from '../shared/config/load-config.js';
import { createContext, type NoxContext } from '../shared/runtime/context.js';
import { configOrExit } from './boot.js';

/**
 * A context (Redis, queues, metrics, logger) for a command that runs Nox or talks to its
 * queues. Apart from boot.ts so that client commands, which need only the config, do not load it.
 */
export function contextFor(role: 'api' | 'worker' | 'cli', options: LoadConfigOptions = {}): NoxContext {
  const config = configOrExit(options);
  return createContext({ config, role });
}
