import { type Config, ConfigError, indentProblems, loadConfig, resolveConfigPath } from '../config/index.js';

/**
 * Exit statuses every command uses; 78 is sysexits' EX_CONFIG, which systemd must not restart on,
 * 130 the shell's for a command ended by Ctrl+C. `cannotTell` is `status`'s: it could not find out
 * (its 0 is healthy, 1 needs attention).
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, cannotTell: 3, config: 78, interrupted: 130 } as const;

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
 * Loads the configuration for a command. An unusable one throws its ConfigError, which the CLI
 * prints with every problem and ends with exit 78, before the command touches any state.
 */
export function loadConfigForCommand(cliPath?: string): Config & { configPath: string } {
  const path = resolveConfigPath(cliPath);
  return { ...loadConfig(path), configPath: path };
}

/** The line above a configuration's problems: a file that cannot be read is not an invalid one. */
export function configHeading(error: ConfigError): string {
  return error.code === 'unreadable'
    ? `cannot read the configuration ${error.path}`
    : `invalid configuration in ${error.path}`;
}

/** Failures whose message already says what is wrong and what to do: no stack trace for them. */
const EXPECTED_ERRORS = new Set([
  'MocoError',
  'HidLibraryError',
  'GpioUnavailableError',
  'MasterKeyError',
  'KeyCipherError',
  'DatabaseError',
  'BadgeError',
  'StaffKeyError',
]);
/** Errors no restart can fix: systemd must not restart in a loop on them (RestartPreventExitStatus=78). */
const CONFIG_ERRORS = new Set(['MasterKeyError', 'KeyCipherError', 'StaffKeyError']);

/** A DatabaseError knows whether a restart can fix it (a full disk can, a damaged file cannot). */
function restartCannotFix(error: Error): boolean {
  return CONFIG_ERRORS.has(error.name) || (error as { restartCannotFix?: unknown }).restartCannotFix === true;
}

/**
 * The one table from a command's failure to what it prints (after `moco-timeclock: `) and its exit
 * status. A known failure is its sentence, an unexpected one its stack.
 */
export function describeError(error: unknown): { message: string; exitCode: number } {
  if (error instanceof ConfigError) {
    return { message: `${configHeading(error)}\n${indentProblems(error.problems)}`, exitCode: EXIT.config };
  }
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof Error && EXPECTED_ERRORS.has(error.name)) {
    return { message: error.message, exitCode: restartCannotFix(error) ? EXIT.config : EXIT.failure };
  }
  return {
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    exitCode: EXIT.failure,
  };
}
