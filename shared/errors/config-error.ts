import { NoxError } from './nox-error.js';

/** Bad configuration: raised at boot, names the field (and the source) and why. */
export class ConfigError extends NoxError {
  constructor(message: string) {
    super('nox:config-invalid', message, { status: 500, title: 'Invalid configuration' });
  }
}
