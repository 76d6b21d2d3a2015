import { Command } from 'commander';
import { createLogger } from '../log.js';
import type { Tap } from '../store/journal.js';
import { formatOverride, localParts } from '../time/local.js';
import { CliError, EXIT } from './common.js';
import { processIo, withStores } from './stores.js';

export function queueCommand(): Command {
  const queue = new Command('queue').description('taps not yet delivered to MOCO, or failed');
  queue
    .command('list')
    .description('list pending and failed taps, oldest first')
    .option('-c, --config <file>', 'configuration file')
    .option('--json', 'one JSON array, for scripts')
    .option('--failed', 'only taps that failed and need an admin')
    .action((options: { config?: string; json?: boolean; failed?: boolean }) =>
      withStores(
        processIo,
        {
          config: options.config,
          access: 'existing',
          noDatabase: (path) =>
            process.stdout.write(
              options.json ? '[]\n' : `no database yet at ${path}: nothing pending or failed\n`,
            ),
        },
        ({ journal }, config) => {
          const taps = journal.listOpen({ failedOnly: options.failed === true });
          process.stdout.write(
            options.json ? `${JSON.stringify(taps.map(jsonView), null, 2)}\n` : table(taps, config.timezone),
          );
        },
      ),
    );
  queue
    .command('retry')
    .description('put failed taps back in the queue (after fixing the key or the conflict in MOCO)')
    .argument('[id]', 'the tap id from `queue list`')
    .option('-c, --config <file>', 'configuration file')
    .option('--all-failed', 'every failed tap')
    .action((id: string | undefined, options: { config?: string; allFailed?: boolean }) => {
      if ((id === undefined) === (options.allFailed !== true)) {
        throw new CliError('give one tap id or --all-failed', EXIT.usage);
      }
      const ids = id === undefined ? null : [tapId(id)];
      return withStores(processIo, { config: options.config, access: 'existing' }, async ({ journal }) => {
        const count = ids === null ? await journal.retryAllFailed() : journal.retry(ids);
        if (count === 0 && ids !== null) throw new CliError(`tap ${id} is not a failed tap`);
        process.stdout.write(
          `${count} tap${count === 1 ? '' : 's'} back in the queue; the daemon delivers them\n`,
        );
      });
    });
  queue
    .command('drop')
    .description('remove an undelivered tap from the journal for good (it will never reach MOCO)')
    .argument('<id>', 'the tap id from `queue list`')
    .option('-c, --config <file>', 'configuration file')
    .option('--yes', 'confirm: the tap is lost')
    .action((id: string, options: { config?: string; yes?: boolean }) => {
      if (options.yes !== true)
        throw new CliError('dropping loses the tap for good; confirm with --yes', EXIT.usage);
      return withStores(processIo, { config: options.config, access: 'existing' }, ({ journal }, config) => {
        const timeZone = config.timezone;
        const dropped = journal.drop(tapId(id));
        if (dropped === null)
          throw new CliError(`tap ${id} is not in the queue (unknown, or already delivered)`);
        // The audit trail of a tap that leaves undelivered: who, what, when, into the log.
        createLogger(config.log.level, process.stderr).warn(
          {
            ...jsonView(dropped),
            droppedBy: process.env.SUDO_USER ?? process.env.USER ?? String(process.getuid?.()),
          },
          'tap dropped',
        );
        process.stdout.write(
          `dropped tap ${dropped.id} (${dropped.uid} at ${formatTap(dropped, timeZone)})\n`,
        );
        if (dropped.uncertain) {
          process.stdout.write(
            'note: its last touch got no answer, so MOCO may have booked it; check the presences in MOCO\n',
          );
        }
      });
    });
  return queue;
}

function tapId(raw: string): number {
  if (!/^\d+$/.test(raw))
    throw new CliError(`"${raw}" is not a tap id (a number from \`queue list\`)`, EXIT.usage);
  return Number(raw);
}

function jsonView(tap: Tap) {
  return {
    id: tap.id,
    uid: tap.uid,
    userId: tap.userId,
    userName: tap.userName,
    at: new Date(tap.atMs).toISOString(),
    localDate: tap.localDate,
    localTime: tap.localTime,
    state: tap.state,
    outcome: tap.outcome,
    attempts: tap.attempts,
    lastError: tap.lastError,
    timeUncertain: tap.timeUncertain,
  };
}

function formatTap(tap: Tap, timeZone: string): string {
  return formatOverride(localParts(tap.atMs, timeZone));
}

function table(taps: Tap[], timeZone: string): string {
  if (taps.length === 0) return 'nothing pending or failed\n';
  const header = ['ID', 'UID', 'USER', 'TAPPED', 'STATE', 'ATTEMPTS', 'LAST ERROR'];
  const rows = taps.map((tap) => [
    String(tap.id),
    tap.uid,
    tap.userName ?? (tap.userId === null ? '-' : String(tap.userId)),
    `${formatTap(tap, timeZone)}${tap.timeUncertain ? ' (time uncertain)' : ''}`,
    tap.state,
    String(tap.attempts),
    tap.lastError ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
