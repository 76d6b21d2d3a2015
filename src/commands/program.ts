import { Command } from 'commander';
import { reportFailure } from '../exit.js';
import { VERSION } from '../version.js';

type Write = { write(text: string): unknown };

/**
 * `moco-timeclock` around the given commands: its name, version and help, and commander's own
 * errors thrown rather than exiting. Commander writes to `output` when given, else to the process.
 */
export function createProgram(commands: Command[], output?: { stdout: Write; stderr: Write }): Command {
  const program = new Command('moco-timeclock')
    .description('RFID time clock for MOCO: badge taps become MOCO presences')
    .version(VERSION)
    .showHelpAfterError();
  for (const command of commands) program.addCommand(command);
  applyToAll(program, (command) => {
    command.exitOverride();
    if (output !== undefined) {
      command.configureOutput({
        writeOut: (text) => output.stdout.write(text),
        writeErr: (text) => output.stderr.write(text),
      });
    }
  });
  return program;
}

function applyToAll(command: Command, apply: (command: Command) => void): void {
  apply(command);
  for (const sub of command.commands) applyToAll(sub, apply);
}

/**
 * Builds the program and runs it on `argv` (node's: the first two are node and the script). A
 * failure, also one to build it, is said on `stderr` and its exit status returned; undefined when
 * the command ended normally, having set `process.exitCode` itself where it has a status of its own
 * (`status`).
 */
export async function runProgram(
  build: () => Command | Promise<Command>,
  argv: string[],
  stderr: Write,
): Promise<number | undefined> {
  try {
    await (await build()).parseAsync(argv);
    return undefined;
  } catch (error) {
    return reportFailure(error, stderr);
  }
}
