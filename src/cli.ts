#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { CliError, EXIT } from './commands/common.js';
import { VERSION } from './version.js';

// Attendance records are personal data: nothing this process writes is for group or others.
process.umask(0o077);

/**
 * Each command is imported only when it runs: an admin command on a Pi Zero should not pay for
 * loading the daemon's HTTP client, and the daemon not for the admin commands.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.js')).runCommand(),
  init: async () => (await import('./commands/init.js')).initCommand(),
  config: async () => (await import('./commands/config.js')).configCommand(),
  badge: async () => (await import('./commands/badge.js')).badgeCommand(),
  queue: async () => (await import('./commands/queue.js')).queueCommand(),
  status: async () => (await import('./commands/status.js')).statusCommand(),
  reader: async () => (await import('./commands/reader-test.js')).readerTestCommand(),
  signals: async () => (await import('./commands/signals-test.js')).signalsTestCommand(),
  sim: async () => (await import('./commands/sim.js')).simCommand(),
  demo: async () => (await import('./commands/demo.js')).demoCommand(),
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand(),
  web: async () => (await import('./commands/web.js')).webCommand(),
};

async function buildProgram(requested: string | undefined): Promise<Command> {
  const program = new Command('moco-timeclock')
    .description('RFID time clock for MOCO: badge taps become MOCO presences')
    .version(VERSION)
    .showHelpAfterError();
  const names =
    requested === '--version' || requested === '-V'
      ? []
      : requested !== undefined && Object.hasOwn(COMMANDS, requested)
        ? [requested]
        : Object.keys(COMMANDS);
  for (const name of names) program.addCommand(await (COMMANDS[name] as () => Promise<Command>)());
  applyToAll(program, (command) => command.exitOverride());
  return program;
}

function applyToAll(command: Command, apply: (command: Command) => void): void {
  apply(command);
  for (const sub of command.commands) applyToAll(sub, apply);
}

async function main(argv: string[]): Promise<void> {
  try {
    await (await buildProgram(argv[2])).parseAsync(argv);
  } catch (error) {
    process.exitCode = exitCodeOf(error);
  }
}

const EXPECTED_ERRORS = new Set([
  'MocoError',
  'HidLibraryError',
  'GpioUnavailableError',
  'MasterKeyError',
  'KeyCipherError',
  'DatabaseError',
  'BadgeError',
]);
/** Errors no restart can fix: systemd must not restart in a loop on them (RestartPreventExitStatus=78). */
const CONFIG_ERRORS = new Set(['MasterKeyError', 'KeyCipherError']);

/** A DatabaseError knows whether a restart can fix it (a full disk can, a damaged file cannot). */
function restartCannotFix(error: Error): boolean {
  return CONFIG_ERRORS.has(error.name) || (error as { restartCannotFix?: unknown }).restartCannotFix === true;
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version end with exit code 0; every other commander error is a usage error.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof CliError) {
    process.stderr.write(`moco-timeclock: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof Error && EXPECTED_ERRORS.has(error.name)) {
    // A known failure with its fix in the message: the operator needs the sentence, not a stack.
    process.stderr.write(`moco-timeclock: ${error.message}\n`);
    return restartCannotFix(error) ? EXIT.config : EXIT.failure;
  }
  process.stderr.write(
    `moco-timeclock: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return EXIT.failure;
}

await main(process.argv);
