import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { errorMessage } from '../error-message.js';
import { CliError, EXIT } from '../exit.js';
import { createLogger, type Logger } from '../log.js';
import { startSimulator } from '../moco/sim/server.js';
import { DEFAULT_VARIANTS, type SimulatorOptions } from '../moco/sim/types.js';
import { DEMO_USERS, loadUsersFile } from '../moco/sim/users.js';
import { isValidTimeZone, systemTimeZone } from '../time/local.js';
import { nextStopSignal } from './stop-signal.js';

const OVERRIDE = ['honoured', 'ignored'] as const;
const DELETE_ANSWER = ['object', 'empty'] as const;

/** The command-line options as commander hands them over. */
export interface SimCliOptions {
  port?: string;
  users?: string;
  timezone?: string;
  offsetMinutes?: string;
  legacyEmptyTouch?: boolean;
  override?: string;
  deleteAnswer?: string;
  tlsCert?: string;
  tlsKey?: string;
  keepAliveSeconds?: string;
}

function choice<T extends string>(
  name: string,
  raw: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (raw === undefined) return undefined;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new CliError(`--${name} must be one of ${allowed.join(', ')}, got "${raw}"`, EXIT.usage);
}

function integerOption(name: string, raw: string, min: number, max: number): number {
  const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new CliError(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`, EXIT.usage);
  }
  return value;
}

function readOptionFile(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new CliError(`--${name}: cannot read ${path} (${code})`, EXIT.usage);
  }
}

function tlsFrom(cli: SimCliOptions): SimulatorOptions['tls'] {
  if (cli.tlsCert === undefined && cli.tlsKey === undefined) return undefined;
  if (cli.tlsCert === undefined || cli.tlsKey === undefined) {
    throw new CliError('--tls-cert and --tls-key go together', EXIT.usage);
  }
  return { cert: readOptionFile('tls-cert', cli.tlsCert), key: readOptionFile('tls-key', cli.tlsKey) };
}

/** Checks the options and reads the users and TLS files; every problem is a usage error (exit 2). */
export function simulatorOptionsFrom(cli: SimCliOptions): SimulatorOptions {
  const timeZone = cli.timezone ?? systemTimeZone();
  if (!isValidTimeZone(timeZone))
    throw new CliError(`--timezone: unknown time zone "${timeZone}"`, EXIT.usage);
  let users = DEMO_USERS;
  if (cli.users !== undefined) {
    try {
      users = loadUsersFile(cli.users);
    } catch (error) {
      throw new CliError(errorMessage(error), EXIT.usage);
    }
  }
  const tls = tlsFrom(cli);
  const offsetMinutes =
    cli.offsetMinutes === undefined
      ? 0
      : integerOption('offset-minutes', cli.offsetMinutes, -525_600, 525_600);
  return {
    port: cli.port === undefined ? 0 : integerOption('port', cli.port, 0, 65_535),
    timeZone,
    offsetMs: offsetMinutes * 60_000,
    users,
    legacyEmptyTouchBody: cli.legacyEmptyTouch ?? false,
    variants: {
      ...(cli.override === undefined ? {} : { override: choice('override', cli.override, OVERRIDE) }),
      ...(cli.deleteAnswer === undefined
        ? {}
        : { deleteAnswer: choice('delete-answer', cli.deleteAnswer, DELETE_ANSWER) }),
    },
    ...(tls === undefined ? {} : { tls }),
    ...(cli.keepAliveSeconds === undefined
      ? {}
      : { keepAliveSeconds: integerOption('keep-alive-seconds', cli.keepAliveSeconds, 1, 3600) }),
  };
}

/**
 * Runs the simulator until `untilStopped()` settles: a banner on `out`, one log line per request on `logger`.
 * Fake keys are printed on purpose: the banner is how a developer learns which key to configure.
 */
export async function runSimulator(
  options: SimulatorOptions,
  io: { out: (text: string) => void; logger: Logger; untilStopped: () => Promise<unknown> },
): Promise<void> {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  try {
    sim = await startSimulator({ ...options, logger: io.logger });
  } catch (error) {
    throw new CliError(`cannot start the simulator: ${errorMessage(error)}`);
  }
  const lines = [
    `MOCO simulator listening: ${sim.baseUrl}`,
    `time zone ${options.timeZone}, clock offset ${(options.offsetMs ?? 0) / 60_000} min`,
    `touch override ${options.variants?.override ?? DEFAULT_VARIANTS.override}, DELETE answers ${options.variants?.deleteAnswer ?? DEFAULT_VARIANTS.deleteAnswer}${options.legacyEmptyTouchBody === true ? ', touch answers an empty body' : ''}`,
    ...(options.users ?? DEMO_USERS).map(
      (u) =>
        `  ${u.firstname} ${u.lastname}  id ${u.id}  key ${u.apiKey}${u.staff === true ? '  (staff)' : ''}`,
    ),
    'Ctrl-C stops it.',
  ];
  io.out(`${lines.join('\n')}\n`);
  try {
    await io.untilStopped();
  } finally {
    await sim.close();
  }
}

export function simCommand(): Command {
  return new Command('sim')
    .description('run a local MOCO presences API simulator in the foreground (for demos and tests)')
    .option('--port <n>', 'port to listen on (0: a free port)', '0')
    .option('--users <file>', 'JSON or YAML list of users (default: three demo users)')
    .option('--timezone <tz>', "MOCO's IANA time zone (default: the system's)")
    .option('--offset-minutes <n>', "shift the simulator's clock by this many minutes", '0')
    .option('--legacy-empty-touch', 'answer touch with an empty body, like MOCO before 2022')
    .option(
      '--override <how>',
      "touch's `override` body field: honoured (as MOCO's docs describe it) or ignored (as a real account answered in 2026-10)",
      DEFAULT_VARIANTS.override,
    )
    .option(
      '--delete-answer <how>',
      'DELETE of a presence: object (200 with it, as MOCO answers since 2026) or empty (204, as recorded until 2022)',
      DEFAULT_VARIANTS.deleteAnswer,
    )
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with --tls-key)')
    .option('--tls-key <file>', "the certificate's PEM private key")
    .option('--keep-alive-seconds <n>', 'close a connection idle this long (default 5)')
    .action(async (cli: SimCliOptions) => {
      const options = simulatorOptionsFrom(cli);
      // Listened for before the banner: a stop right after it is a stop.
      const stopped = nextStopSignal();
      await runSimulator(options, {
        out: (text) => process.stdout.write(text),
        logger: createLogger('info'),
        untilStopped: () => stopped,
      });
    });
}
