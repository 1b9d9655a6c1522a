import { loadConfig, type LoadConfigOptions } from '../shared/config/load-config.js';
import type { NoxConfig } from '../shared/config/schema.js';
import { ConfigError } from '../shared/errors/config-error.js';

/** Loads and validates config; a bad value ends the process with the message that names it. */
export function configOrExit(options: LoadConfigOptions = {}): NoxConfig {
  try {
    return loadConfig(options);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
