import { Readable } from 'node:stream';
import { badgeCommand } from '../../src/commands/badge/index.js';
import { createProgram, runProgram } from '../../src/commands/program.js';

/** What a command printed and its exit status, as a process run of it would show them. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface BadgeRunOptions {
  /** What stdin holds (then it ends), as a pipe gives it. */
  input?: string;
  /** More environment than PATH, as the spawned CLI would get it. */
  env?: NodeJS.ProcessEnv;
}

/**
 * `moco-timeclock badge ARGS` in this process: the badge command built with a test's stdin, stdout,
 * stderr and env, run by the CLI's own program, so it prints and exits as the process would. No
 * switch of users (as when run by someone other than root, or on a data directory root owns).
 */
export async function runBadge(args: string[], options: BadgeRunOptions = {}): Promise<CommandResult> {
  let stdout = '';
  let stderr = '';
  const output = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  };
  const command = badgeCommand({
    env: { PATH: process.env.PATH, ...options.env },
    stdin: Readable.from([options.input ?? '']),
    ...output,
    process: {},
  });
  const code = await runProgram(
    () => createProgram([command], output),
    ['node', 'moco-timeclock', 'badge', ...args],
    output.stderr,
  );
  return { code: code ?? 0, stdout, stderr };
}
