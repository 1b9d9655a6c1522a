export { loadConfig, resolveRegistryDir, CONFIG_FILE, type LoadConfigOptions } from './load-config.js';
export { configSchema, type NoxConfig, type NoxConfigFile } from './schema.js';
export { ENV_OVERRIDES } from './env-overrides.js';
