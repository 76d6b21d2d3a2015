import { Command } from 'commander';
import { CliError, EXIT } from '../exit.js';
import { createLogger } from '../log.js';
import { openStores } from '../store/open.js';
import { createNotifier } from '../systemd/notify.js';
import { systemClock } from '../time/clock.js';
import { startWeb, WebError } from '../web/app.js';
import { hashPassword, MIN_PASSWORD_LENGTH, PasswordStore } from '../web/password.js';
import { type HiddenInput, readHidden, readLine } from './key-input.js';
import { CONFIG_HELP, loadConfigForCommand } from './load-config.js';
import { listenForStopSignal, runUntilStopSignal } from './stop-signal.js';

export interface WebCommandDeps {
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  env?: NodeJS.ProcessEnv;
}

/** `web`: the admin's web page (what moco-timeclock-web.service starts); `web passwd`: its password. */
export function webCommand(deps: WebCommandDeps = {}): Command {
  const env = deps.env ?? process.env;
  const web = new Command('web')
    .description(
      "serve the office admin's web page (status, badges, today's presences); see web.* in the configuration",
    )
    .option('-c, --config <file>', CONFIG_HELP)
    .action((options: { config?: string }) => serve(options.config, env));
  web
    .command('passwd')
    .description('set the admin password of the web page (stored as an scrypt hash; logs everyone out)')
    .configureHelp({ showGlobalOptions: true })
    // `web passwd -c FILE`: the option is the parent's, which commander parses for both.
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<{ config?: string }>();
      const stdin = deps.stdin ?? process.stdin;
      const err = deps.stderr ?? process.stderr;
      const password = await readNewPassword(stdin, err);
      const config = loadConfigForCommand(options.config, env);
      const hash = await hashPassword(password);
      const stores = openStores({ config, env, clock: systemClock });
      try {
        new PasswordStore(stores.db).set(hash);
      } finally {
        stores.close();
      }
      (deps.stdout ?? process.stdout).write(
        `web password set; whoever was logged in must log in again${config.web.enabled ? '' : ' (the page is off: set web.enabled: true)'}\n`,
      );
    });
  return web;
}

async function serve(configOption: string | undefined, env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfigForCommand(configOption, env);
  if (!config.web.enabled) {
    throw new CliError(`the web page is off: set web.enabled: true in ${config.configPath}`, EXIT.config);
  }
  const root = createLogger(config.log.level);
  const logger = root.child({ part: 'web' });
  const notifier = createNotifier({ env, logger });
  const signal = listenForStopSignal(logger);
  let app: Awaited<ReturnType<typeof startWeb>>;
  try {
    app = await startWeb({ config, env, logger: root });
  } catch (error) {
    if (error instanceof WebError) throw new CliError(error.message, EXIT.config);
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new CliError(`${config.web.listen} is in use by another program: change web.listen`, EXIT.config);
    }
    throw error;
  }
  await runUntilStopSignal({ notifier, signal, stop: () => app.stop() });
}

/** Twice on a terminal, without echo; one line from a pipe (for scripts). */
async function readNewPassword(
  stdin: NonNullable<WebCommandDeps['stdin']>,
  err: { write(text: string): unknown },
): Promise<string> {
  let password: string;
  if (stdin.isTTY === true && stdin.setRawMode !== undefined) {
    const tty = stdin as HiddenInput;
    const aborted = () => new CliError('aborted; nothing changed', EXIT.usage);
    password = await readHidden(tty, err, 'New web admin password: ', aborted);
    const again = await readHidden(tty, err, 'Again: ', aborted);
    if (again !== password) throw new CliError('the two passwords differ; nothing changed', EXIT.usage);
  } else {
    password = await readLine(stdin);
  }
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new CliError(
      `the password needs at least ${MIN_PASSWORD_LENGTH} characters; nothing changed`,
      EXIT.usage,
    );
  }
  return password;
}
