import { type Config, loadConfig, resolveConfigPath } from '../config/index.js';

/**
 * Loads the configuration for a command. An unusable one throws its ConfigError, which the CLI
 * prints with every problem and ends with exit 78, before the command touches any state.
 */
export function loadConfigForCommand(cliPath?: string): Config & { configPath: string } {
  const path = resolveConfigPath(cliPath);
  return { ...loadConfig(path), configPath: path };
}
