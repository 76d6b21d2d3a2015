export {
  CONFIG_ENV,
  ConfigError,
  DEFAULT_CONFIG_PATH,
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
