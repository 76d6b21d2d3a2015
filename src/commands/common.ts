import { type Config, ConfigError, indentProblems, loadConfig, resolveConfigPath } from '../config/index.js';

/**
 * Exit statuses every command uses; 78 is sysexits' EX_CONFIG, which systemd must not restart on,
 * 130 the shell's for a command ended by Ctrl+C.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, config: 78, interrupted: 130 } as const;

/** A failure a command reports as one line on stderr, with its exit status. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT.failure) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/**
 * Loads the configuration for a command, or prints every problem and exits 78 before the
 * command touches any state.
 */
export function loadConfigForCommand(cliPath?: string): Config & { configPath: string } {
  const path = resolveConfigPath(cliPath);
  try {
    return { ...loadConfig(path), configPath: path };
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`moco-timeclock: ${configHeading(error)}\n${indentProblems(error.problems)}\n`);
      process.exit(EXIT.config);
    }
    throw error;
  }
}

/** The line above a configuration's problems: a file that cannot be read is not an invalid one. */
export function configHeading(error: ConfigError): string {
  return error.code === 'unreadable'
    ? `cannot read the configuration ${error.path}`
    : `invalid configuration in ${error.path}`;
}
