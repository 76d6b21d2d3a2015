export type { BadgesConfig } from '../directory/config.js';
export type { MocoConfig } from '../moco/config.js';
export type { ReaderConfig, UidConfig } from '../readers/config.js';
export type { ScanConfig } from '../scan-config.js';
export type { SignalsConfig } from '../signals/config.js';
export type { WebConfig } from '../web/config.js';
export {
  CONFIG_ENV,
  ConfigError,
  type ConfigErrorCode,
  DEFAULT_CONFIG_PATH,
  EXAMPLE_CONFIG_PATH,
  indentProblems,
  loadConfig,
  parseConfig,
  resolveConfigPath,
} from './load.js';
export type { Config } from './schema.js';
export { configSchema } from './schema.js';
