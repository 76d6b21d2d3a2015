#!/usr/bin/env node
import { Command } from 'commander';
import { reportFailure } from './exit.js';
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
  badge: async () => (await import('./commands/badge/index.js')).badgeCommand(),
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
    process.exitCode = reportFailure(error, process.stderr);
  }
}

await main(process.argv);
