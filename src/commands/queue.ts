import { once } from 'node:events';
import { Command } from 'commander';
import type { Config } from '../config/index.js';
import { CliError, EXIT } from '../exit.js';
import { storedUid } from '../readers/uid.js';
import {
  explainFailure,
  failureText,
  labelsOf,
  nameOf,
  openEarlier,
  openEarlierLine,
  openEarlierSummary,
} from '../status/kiosk-view.js';
import type { Journal, Tap } from '../store/journal.js';
import { readDaemonStatus } from '../store/status.js';
import { formatOverride, localParts } from '../time/local.js';
import { processIo, withStores } from './stores.js';

/** How many taps the table shows unless `--limit` says otherwise: a screenful or two. */
export const DEFAULT_TABLE_LIMIT = 100;
/** The column widths are those of the first rows; a longer cell further down only pushes its row. */
const WIDTH_ROWS = 100;

export function queueCommand(): Command {
  const queue = new Command('queue').description('taps not yet delivered to MOCO, or failed');
  queue
    .command('list')
    .description('list pending and failed taps, oldest first')
    .option('-c, --config <file>', 'configuration file')
    .option('--json', 'one JSON array, for scripts (all taps unless --limit)')
    .option('--failed', 'only taps that failed and need an admin')
    .option('--limit <n>', `show at most n taps (table: ${DEFAULT_TABLE_LIMIT} unless given; 0: all)`)
    .action((options: { config?: string; json?: boolean; failed?: boolean; limit?: string }) => {
      const json = options.json === true;
      const limit = parseLimit(options.limit) ?? (json ? 0 : DEFAULT_TABLE_LIMIT);
      return withStores(
        processIo,
        {
          config: options.config,
          access: 'existing',
          noDatabase: (path) =>
            process.stdout.write(json ? '[]\n' : `no database yet at ${path}: nothing pending or failed\n`),
        },
        async ({ journal, badges, db }, config) => {
          const filter = { failedOnly: options.failed === true };
          const view = { labelOf: labelsOf(badges), config };
          const shown = await writeAll(
            process.stdout,
            json
              ? jsonLines(journal.openTaps(filter), limit, view)
              : tableLines(journal.openTaps(filter), limit, view),
          );
          const more = moreLine(journal, filter, limit, shown);
          if (more !== null) (json ? process.stderr : process.stdout).write(more);
          if (json) return;
          // The JSON is the taps alone; the people to look after are for the table's readers.
          const open = openEarlier(journal, view.labelOf, config, readDaemonStatus(db), Date.now());
          if (open.length > 0) {
            process.stdout.write(
              `${openEarlierSummary(open.length)}\n${open.map((o) => `  ${openEarlierLine(o)}\n`).join('')}`,
            );
          }
        },
      );
    });
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
    .option('--json', 'print the dropped tap, who dropped it and when, as JSON')
    .action((id: string, options: { config?: string; yes?: boolean; json?: boolean }) => {
      if (options.yes !== true)
        throw new CliError('dropping loses the tap for good; confirm with --yes', EXIT.usage);
      return withStores(
        processIo,
        { config: options.config, access: 'existing' },
        ({ journal, badges }, config) => {
          const dropped = journal.drop(tapId(id));
          if (dropped === null)
            throw new CliError(`tap ${id} is not in the queue (unknown, or already delivered)`);
          const droppedBy = process.env.SUDO_USER ?? process.env.USER ?? String(process.getuid?.());
          if (options.json === true) {
            const record = { ...jsonView(dropped), droppedBy, droppedAt: new Date().toISOString() };
            process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
            return;
          }
          const who =
            nameOf({
              userName: dropped.userName,
              label: badges.identify(storedUid(dropped.uid))?.label ?? null,
            }) ?? (dropped.userId === null ? 'unknown user' : `MOCO user ${dropped.userId}`);
          process.stdout.write(
            `dropped tap ${dropped.id} (badge ${dropped.uid}, ${who}, tapped ${formatTap(dropped, config.timezone)}, ` +
              `${dropped.state}); dropped by ${droppedBy}\n`,
          );
          // Only what the journal recorded: the tap's last touch may have reached MOCO.
          if (dropped.uncertain) {
            process.stdout.write(
              'note: its last touch got no answer, so MOCO may have booked it; check the presences in MOCO\n',
            );
          }
        },
      );
    });
  return queue;
}

/** `... and N more`, when a full page was shown and there is more after it. */
function moreLine(
  journal: Journal,
  filter: { failedOnly: boolean },
  limit: number,
  shown: Written,
): string | null {
  if (limit === 0 || shown.count < limit || shown.lastId === null) return null;
  const more = journal.countOpen({ ...filter, afterId: shown.lastId });
  return more === 0 ? null : `... and ${more} more not shown (--limit 0 shows all)\n`;
}

/** What the lines of a tap need beside the tap: the badge's label, the words for a failure. */
interface TapView {
  labelOf: (uid: string) => string | null;
  config: Pick<Config, 'moco' | 'timezone'>;
}

function parseLimit(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  if (!/^\d+$/.test(raw))
    throw new CliError(`--limit "${raw}" is not a number of taps (0 for all)`, EXIT.usage);
  return Number(raw);
}

function tapId(raw: string): number {
  if (!/^\d+$/.test(raw))
    throw new CliError(`"${raw}" is not a tap id (a number from \`queue list\`)`, EXIT.usage);
  return Number(raw);
}

interface Written {
  count: number;
  lastId: number | null;
}

/** A chunk of output, and the tap it ends with (for counting what was not shown). */
type Piece = { text: string; tap?: Tap };

/** Writes the pieces with backpressure, so a slow pipe (a pager) never makes the output pile up in memory. */
async function writeAll(out: NodeJS.WritableStream, pieces: Iterable<Piece>): Promise<Written> {
  const written: Written = { count: 0, lastId: null };
  let buffer = '';
  const flush = async () => {
    if (buffer === '') return;
    const ok = out.write(buffer);
    buffer = '';
    if (!ok) await once(out, 'drain');
  };
  for (const piece of pieces) {
    buffer += piece.text;
    if (piece.tap !== undefined) {
      written.count += 1;
      written.lastId = piece.tap.id;
    }
    if (buffer.length >= 64 * 1024) await flush();
  }
  await flush();
  return written;
}

/** Exactly what `JSON.stringify(taps, null, 2)` gives, one tap at a time. */
function* jsonLines(taps: Iterable<Tap>, limit: number, view: TapView): Generator<Piece> {
  let count = 0;
  for (const tap of taps) {
    if (limit > 0 && count === limit) break;
    const item = JSON.stringify(listedView(tap, view), null, 2).replace(/\n/g, '\n  ');
    yield { text: `${count === 0 ? '[\n' : ',\n'}  ${item}`, tap };
    count += 1;
  }
  yield { text: count === 0 ? '[]\n' : '\n]\n' };
}

function* tableLines(taps: Iterable<Tap>, limit: number, view: TapView): Generator<Piece> {
  const header = ['ID', 'UID', 'USER', 'TAPPED', 'STATE', 'ATTEMPTS', 'LAST ERROR'];
  const iterator = taps[Symbol.iterator]();
  const first: { tap: Tap; cells: string[] }[] = [];
  const budget = limit === 0 ? Number.POSITIVE_INFINITY : limit;
  while (first.length < Math.min(budget, WIDTH_ROWS)) {
    const next = iterator.next();
    if (next.done === true) break;
    first.push({ tap: next.value, cells: cellsOf(next.value, view) });
  }
  if (first.length === 0) {
    yield { text: 'nothing pending or failed\n' };
    return;
  }
  const widths = header.map((h, i) => Math.max(h.length, ...first.map((r) => (r.cells[i] ?? '').length)));
  const line = (cells: string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  yield { text: line(header) };
  for (const row of first) yield { text: line(row.cells), tap: row.tap };
  let count = first.length;
  while (count < budget) {
    const next = iterator.next();
    if (next.done === true) break;
    yield { text: line(cellsOf(next.value, view)), tap: next.value };
    count += 1;
  }
  iterator.return?.();
}

function cellsOf(tap: Tap, view: TapView): string[] {
  const name = nameOf({ userName: tap.userName, label: view.labelOf(tap.uid) });
  return [
    String(tap.id),
    tap.uid,
    name ?? (tap.userId === null ? '-' : String(tap.userId)),
    `${formatTap(tap, view.config.timezone)}${tap.timeUncertain ? ' (time uncertain)' : ''}`,
    tap.state,
    String(tap.attempts),
    tap.lastError === null ? '' : failureText(explainFailure(tap.lastError, view.config)),
  ];
}

/** A listed tap: the stored facts, the badge's label, and what its failure means (the stored text is `lastError`). */
function listedView(tap: Tap, view: TapView) {
  const failure = tap.lastError === null ? null : explainFailure(tap.lastError, view.config);
  return {
    ...jsonView(tap),
    label: view.labelOf(tap.uid),
    failure:
      failure === null ? null : { kind: failure.kind, meaning: failure.meaning, action: failure.action },
  };
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
