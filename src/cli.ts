#!/usr/bin/env node
import type { Command } from 'commander';
import { createProgram, runProgram } from './commands/program.js';

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

/** The commands of one run: only the one asked for, when it is one (all of them for the help). */
async function commandsFor(requested: string | undefined): Promise<Command[]> {
  const names =
    requested === '--version' || requested === '-V'
      ? []
      : requested !== undefined && Object.hasOwn(COMMANDS, requested)
        ? [requested]
        : Object.keys(COMMANDS);
  const commands: Command[] = [];
  for (const name of names) commands.push(await (COMMANDS[name] as () => Promise<Command>)());
  return commands;
}

const exitCode = await runProgram(
  async () => createProgram(await commandsFor(process.argv[2])),
  process.argv,
  process.stderr,
);
if (exitCode !== undefined) process.exitCode = exitCode;
