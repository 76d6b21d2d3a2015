import { CommanderError } from 'commander';
import { ConfigError, indentProblems } from './config/index.js';

/**
 * Exit statuses every command uses; 78 is sysexits' EX_CONFIG, which systemd must not restart on,
 * 130 the shell's for a command ended by Ctrl+C. `cannotTell` is `status`'s: it could not find out
 * (its 0 is healthy, 1 needs attention).
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, cannotTell: 3, config: 78, interrupted: 130 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

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
 * Failures whose message already says what is wrong and what to do (no stack trace for them), with
 * their exit status. Known by name, so that the CLI loads none of their modules to tell them apart:
 * each command loads only its own. 78 for what no restart can fix, so that systemd does not restart
 * in a loop on it (RestartPreventExitStatus=78).
 */
const EXPECTED_ERRORS: Readonly<Record<string, ExitCode>> = {
  MocoError: EXIT.failure,
  HidLibraryError: EXIT.failure,
  GpioUnavailableError: EXIT.failure,
  DatabaseError: EXIT.failure,
  BadgeError: EXIT.failure,
  MasterKeyError: EXIT.config,
  KeyCipherError: EXIT.config,
  StaffKeyError: EXIT.config,
};

function isExpected(error: unknown): error is Error {
  return error instanceof Error && Object.hasOwn(EXPECTED_ERRORS, error.name);
}

/** What the error itself knows about its exit: a DatabaseError whether a restart can fix it, a BadgeError a UID typed wrong. */
function ownExitCode(error: Error): ExitCode | undefined {
  const { restartCannotFix, code } = error as { restartCannotFix?: unknown; code?: unknown };
  if (restartCannotFix === true) return EXIT.config;
  if (error.name === 'BadgeError' && code === 'malformed_uid') return EXIT.usage;
  return undefined;
}

/** The one table from a command's failure to its exit status. */
export function exitCodeFor(error: unknown): number {
  // Help and version end with exit code 0; every other commander error is a usage error.
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof ConfigError) return EXIT.config;
  if (error instanceof CliError) return error.exitCode;
  if (isExpected(error)) return ownExitCode(error) ?? (EXPECTED_ERRORS[error.name] as ExitCode);
  return EXIT.failure;
}

/** The line above a configuration's problems: a file that cannot be read is not an invalid one. */
export function configHeading(error: ConfigError): string {
  return error.code === 'unreadable'
    ? `cannot read the configuration ${error.path}`
    : `invalid configuration in ${error.path}`;
}

/**
 * What a command's failure prints after `moco-timeclock: `: a known failure its sentence, an
 * unexpected one its stack; null for commander's, which commander has printed already.
 */
export function failureMessage(error: unknown): string | null {
  if (error instanceof CommanderError) return null;
  if (error instanceof ConfigError) return `${configHeading(error)}\n${indentProblems(error.problems)}`;
  if (error instanceof CliError || isExpected(error)) return error.message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** How the CLI ends on a failure: its message on stderr, and the exit status to end with. */
export function reportFailure(error: unknown, stderr: { write(text: string): unknown }): number {
  const message = failureMessage(error);
  if (message !== null) stderr.write(`moco-timeclock: ${message}\n`);
  return exitCodeFor(error);
}
