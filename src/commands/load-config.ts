import { type Config, loadConfig, resolveConfigPath } from '../config/index.js';

/** The help of `-c, --config <file>`, where it says where the file is looked for without it. */
export const CONFIG_HELP =
  'configuration file (default: $MOCO_TIMECLOCK_CONFIG or /etc/moco-timeclock/config.yaml)';

/**
 * Loads the configuration for a command: `--config`, else $MOCO_TIMECLOCK_CONFIG of `env`, else the
 * default path. An unusable one throws its ConfigError, which the CLI prints with every problem and
 * ends with exit 78, before the command touches any state.
 */
export function loadConfigForCommand(
  cliPath: string | undefined,
  env: NodeJS.ProcessEnv,
): Config & { configPath: string } {
  const path = resolveConfigPath(cliPath, env);
  return { ...loadConfig(path), configPath: path };
}
