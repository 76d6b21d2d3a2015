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
export type {
  BadgesConfig,
  Config,
  MocoConfig,
  ReaderConfig,
  ScanConfig,
  SignalsConfig,
  UidConfig,
  WebConfig,
} from './schema.js';
export { configSchema } from './schema.js';
