import { ERROR_CODE } from './codes.js';
import { NoxError } from './nox-error.js';

/** Bad configuration: raised at boot, names the field (and the source) and why. */
export class ConfigError extends NoxError {
  constructor(message: string) {
    super(ERROR_CODE.configInvalid, message);
  }
}
