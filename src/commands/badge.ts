import { closeSync, fchmodSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { Config } from '../config/index.js';
import { enrolInMoco, type MocoEnrolment, manualInstruction } from '../directory/enrol.js';
import { CliError, EXIT } from '../exit.js';
import { configuredStaffKey } from '../identity/staff-key.js';
import { findActiveUser, nameOf } from '../identity/users.js';
import { apiKeyProblem } from '../moco/api-key.js';
import { mocoBaseUrl } from '../moco/base-url.js';
import { MocoClient } from '../moco/client.js';
import { createTypedUidNormalizer } from '../readers/uid.js';
import {
  BadgeError,
  type BadgeStore,
  type BadgeSummary,
  checkImportRows,
  type ExportRow,
  normalizeBadgeUid,
  throwImportProblems,
} from '../store/badges.js';
import type { MocoBadgeRow, MocoBadges } from '../store/moco-badges.js';
import type { StoreAccess } from '../store/open.js';
import type { PrivilegedProcess } from '../store/privileges.js';
import type { UnknownScans } from '../store/unknown-scans.js';
import { type Clock, systemClock } from '../time/clock.js';
import { formatOverride, localParts } from '../time/local.js';
import { badgesToCsv, csvToImportRows } from './badge-csv.js';
import { type KeyVerifier, verifyKeyWithMoco } from './badge-verify.js';
import { loadConfigForCommand } from './load-config.js';
import { withStores } from './stores.js';

export const API_KEY_ENV = 'MOCO_API_KEY';

export interface BadgeCommandDeps {
  env?: NodeJS.ProcessEnv;
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  clock?: Clock;
  verifyKey?: KeyVerifier;
  /** Whose uid/gid to switch; `process` unless a test passes a fake. */
  process?: PrivilegedProcess;
}

interface Io {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  out: (text: string) => void;
  err: (text: string) => void;
  clock: Clock;
  verifyKey: KeyVerifier;
  process: PrivilegedProcess;
}

interface Context {
  config: Config & { configPath: string };
  badges: BadgeStore;
  mocoBadges: MocoBadges;
  unknownScans: UnknownScans;
}

const CONFIG_HELP = 'configuration file (default: $MOCO_TIMECLOCK_CONFIG or /etc/moco-timeclock/config.yaml)';

/** `badge add|list|remove|rename|export|import`: the admin's view of the badge-to-key mapping. */
export function badgeCommand(deps: BadgeCommandDeps = {}): Command {
  const io: Io = {
    env: deps.env ?? process.env,
    stdin: deps.stdin ?? process.stdin,
    out: (text) => (deps.stdout ?? process.stdout).write(text),
    err: (text) => (deps.stderr ?? process.stderr).write(text),
    clock: deps.clock ?? systemClock,
    verifyKey: deps.verifyKey ?? verifyKeyWithMoco,
    process: deps.process ?? process,
  };
  const badge = new Command('badge').description(
    'enrol and manage badges (run as root: sudo moco-timeclock badge ...)',
  );

  badge
    .command('add')
    .description(
      "map a badge UID to a person's MOCO API key, or with moco.identity: impersonation to a MOCO user",
    )
    .argument('[uid]', 'the badge UID as the reader reports it (see "moco-timeclock reader test")')
    .option(
      '-k, --key <apiKey>',
      `the MOCO API key, or "-" to read one line from stdin (default: $${API_KEY_ENV})`,
    )
    .option(
      '-u, --user <id|email>',
      "moco.identity: impersonation: the badge's MOCO user (checked in MOCO: exists and is active); with badges.source: moco the UID is written into the user's badge field",
    )
    .option('-n, --name <label>', "a label for lists, e.g. the person's name")
    .option('--last-unknown', 'use the UID of the most recent unknown badge tapped on the reader')
    .option('--no-verify', 'store the key without asking MOCO whose it is (the first tap will tell)')
    .option('--replace', 'replace the key of a badge that is already mapped')
    .option('-c, --config <file>', CONFIG_HELP)
    .action((uid: string | undefined, options: AddOptions) => addBadge(io, uid, options));

  badge
    .command('list')
    .description('show every badge with its person; keys are masked to their last 4 characters')
    .option('--json', 'print JSON for scripts')
    .option('-c, --config <file>', CONFIG_HELP)
    .action((options: { json?: boolean; config?: string }) =>
      withStore(
        io,
        options.config,
        'existing',
        ({ badges, mocoBadges, config }) => {
          if (config.badges.source === 'moco') {
            const rows = mocoBadges.list();
            io.out(
              options.json === true
                ? `${JSON.stringify(rows.map(mocoJsonView), null, 2)}\n`
                : mocoTable(rows, config),
            );
            return;
          }
          const list = badges.list();
          if (options.json === true) io.out(`${JSON.stringify(list.map(jsonView), null, 2)}\n`);
          else io.out(table(list, config.timezone));
        },
        (path) =>
          io.out(options.json === true ? '[]\n' : `no database yet at ${path}, so no badges: ${ADD_ONE}\n`),
      ),
    );

  badge
    .command('remove')
    .description('delete a badge: its taps are no longer booked')
    .argument('<uid>', 'the badge UID')
    .option('-c, --config <file>', CONFIG_HELP)
    .action((uid: string, options: { config?: string }) => {
      const normalized = normalizeBadgeUid(uid);
      return withStore(io, options.config, 'existing', ({ badges, mocoBadges, config }) => {
        if (config.badges.source === 'moco') throw keptInMoco(config, mocoBadges, normalized);
        if (!badges.remove(normalized)) throw new CliError(`there is no badge ${normalized}`);
        io.out(`removed badge ${normalized}\n`);
      });
    });

  badge
    .command('rename')
    .description('change the label of a badge')
    .argument('<uid>', 'the badge UID')
    .argument('<label>', 'the new label')
    .option('-c, --config <file>', CONFIG_HELP)
    .action((uid: string, label: string, options: { config?: string }) => {
      const normalized = normalizeBadgeUid(uid);
      // A badge without a label shows as "-" in every list: an empty one is a slip, not a wish.
      if (label.trim() === '') throw new CliError('the new label is empty: give the label text', EXIT.usage);
      return withStore(io, options.config, 'existing', ({ badges, mocoBadges, config }) => {
        if (config.badges.source === 'moco') throw keptInMoco(config, mocoBadges, normalized);
        badges.rename(normalized, label);
        io.out(`badge ${normalized} is now labelled ${JSON.stringify(label.trim())}\n`);
      });
    });

  badge
    .command('export')
    .description('write all badges as CSV (uid,label,user_id,user_name,api_key) to stdout or a file')
    .option('--with-keys', 'include the API keys in plain text (otherwise the api_key column is empty)')
    .option('-o, --output <file>', 'write to this file, created readable by its owner only')
    .option('-c, --config <file>', CONFIG_HELP)
    .action(async (options: { withKeys?: boolean; output?: string; config?: string }) => {
      const output = options.output === undefined ? null : openOutput(options.output);
      try {
        const write = (rows: ExportRow[]) => {
          const csv = badgesToCsv(rows);
          if (output === null) io.out(csv);
          else writeSync(output, csv);
        };
        await withStore(
          io,
          options.config,
          'existing',
          ({ badges, mocoBadges, config }) => {
            if (config.badges.source === 'moco') throw keptInMoco(config, mocoBadges, null);
            const rows = badges.exportRows(options.withKeys === true);
            write(rows);
            if (options.withKeys === true) {
              io.err('the export holds API keys in plain text: keep it safe, delete it soon\n');
            }
            if (options.output !== undefined) {
              io.err(`exported ${rows.length} badge${rows.length === 1 ? '' : 's'} to ${options.output}\n`);
            }
          },
          (path) => {
            write([]);
            io.err(`no database yet at ${path}: no badges to export\n`);
          },
        );
      } finally {
        if (output !== null) closeSync(output);
      }
    });

  badge
    .command('import')
    .description('add or update badges from a CSV file as "export" writes it; all rows or none')
    .argument('<file>', 'the CSV file, or "-" for stdin')
    .option('-c, --config <file>', CONFIG_HELP)
    .action(async (file: string, options: { config?: string }) => {
      // Read before the switch to the data directory's owner, who may not read the admin's files.
      const text = await readImportFile(io, file);
      const rows = (() => {
        try {
          const parsed = csvToImportRows(text);
          throwImportProblems(checkImportRows(parsed).problems);
          return parsed;
        } catch (error) {
          throw importFailure(file, error);
        }
      })();
      await withStore(io, options.config, 'enrol', ({ badges, mocoBadges, config }) => {
        if (config.badges.source === 'moco') throw keptInMoco(config, mocoBadges, null);
        try {
          const { added, updated } = badges.importRows(rows, {
            staffKey: config.moco.identity === 'impersonation',
          });
          const total = added + updated;
          io.out(
            `imported ${total} badge${total === 1 ? '' : 's'} from ${file === '-' ? 'stdin' : file}: ${added} new, ${updated} updated\n`,
          );
        } catch (error) {
          throw importFailure(file, error);
        }
      });
    });

  return badge;
}

interface AddOptions {
  key?: string;
  user?: string;
  name?: string;
  lastUnknown?: boolean;
  verify: boolean;
  replace?: boolean;
  config?: string;
}

async function addBadge(io: Io, uidArgument: string | undefined, options: AddOptions): Promise<void> {
  if (uidArgument !== undefined && options.lastUnknown === true) {
    throw new CliError('give either a UID or --last-unknown, not both', EXIT.usage);
  }
  if (uidArgument === undefined && options.lastUnknown !== true) {
    throw new CliError(
      'give the badge UID, or --last-unknown to use the badge last tapped on the reader',
      EXIT.usage,
    );
  }
  const typedUid = uidArgument === undefined ? undefined : normalizeBadgeUid(uidArgument);
  const preloaded = loadConfigForCommand(options.config, io.env);
  if (options.user !== undefined || preloaded.moco.identity === 'impersonation') {
    return addForUser(io, preloaded, typedUid, options);
  }
  const apiKey = await resolveKey(io, options.key);
  await withStore(io, options.config, 'enrol', async ({ badges, unknownScans, config }) => {
    const uid = typedUid ?? lastUnknown(io, unknownScans, config.timezone);
    const existing = badges.find(uid);
    if (existing !== null && options.replace !== true) {
      throw new CliError(
        `badge ${uid} is already mapped${describeOwner(existing)}: add --replace to give it a new key`,
      );
    }
    const user = options.verify ? await io.verifyKey(config.moco, apiKey) : null;
    const stored = badges.add(
      { uid, label: options.name, userId: user?.userId ?? null, userName: user?.userName ?? null, apiKey },
      { replace: options.replace === true },
    );
    const who =
      user === null
        ? ' (key not verified: the first tap will show whether MOCO accepts it)'
        : ` -> ${user.userName} (MOCO user ${user.userId})`;
    const label = stored.label === null ? '' : `, label ${JSON.stringify(stored.label)}`;
    io.out(`${existing === null ? 'added' : 'replaced'} badge ${uid}${who}${label}\n`);
    if (user !== null) {
      const others = badges.list().filter((b) => b.userId === user.userId && b.uid !== uid);
      if (others.length > 0)
        io.out(`note: ${user.userName} also has badge ${others.map((b) => b.uid).join(', ')}\n`);
    }
  });
}

/** The most recent unknown tap's UID, said on stdout so the admin sees which badge it is. */
function lastUnknown(io: Io, unknownScans: UnknownScans, timeZone: string): string {
  const scan = unknownScans.last();
  if (scan === null) {
    throw new CliError(
      'no unknown badge was tapped yet: tap the new badge on the reader (daemon running), then retry',
    );
  }
  io.out(
    `using the last unknown badge ${scan.uid}, tapped ${formatTime(scan.at, timeZone)} (${ago(io.clock.now() - scan.at)})\n`,
  );
  return scan.uid;
}

/**
 * `moco.identity: impersonation`: the badge is the MOCO user's, booked with the Staff key. Kept on
 * this kiosk (`badges.source: local`), or written into the user's badge field in MOCO (`moco`).
 */
async function addForUser(
  io: Io,
  config: Config & { configPath: string },
  typedUid: string | undefined,
  options: AddOptions,
): Promise<void> {
  if (config.moco.identity !== 'impersonation') {
    throw new CliError(
      '--user needs moco.identity: impersonation (one Staff key acting for everyone); with personal keys give --key',
      EXIT.usage,
    );
  }
  if (options.key !== undefined) {
    throw new CliError(
      'moco.identity is impersonation, so no personal key is stored: give the MOCO user with --user, not --key',
      EXIT.usage,
    );
  }
  if (options.user === undefined) {
    throw new CliError(
      "moco.identity is impersonation: give the badge's MOCO user with --user <id or email>",
      EXIT.usage,
    );
  }
  if (!options.verify)
    throw new CliError('--user is always checked in MOCO: leave out --no-verify', EXIT.usage);
  const who = options.user;
  // Before the stores: they drop root, and the Staff key is root's.
  const staffKey = configuredStaffKey(config, io.env) as string;
  const baseUrl = mocoBaseUrl(config.moco);
  const client = new MocoClient({ baseUrl, timeoutMs: config.moco.timeoutMs });
  try {
    const staff = client.forKey(staffKey);
    await withStore(io, options.config, 'enrol', async ({ badges, mocoBadges, unknownScans }) => {
      const uid = typedUid ?? lastUnknown(io, unknownScans, config.timezone);
      if (config.badges.source === 'moco') {
        const enrolment = await enrolInMoco(
          {
            staff,
            cache: mocoBadges,
            field: config.badges.field,
            normalize: createTypedUidNormalizer(config.uid),
            baseUrl,
          },
          uid,
          who,
        );
        io.out(describeEnrolment(enrolment, uid, config));
        return;
      }
      const existing = badges.find(uid);
      if (existing !== null && options.replace !== true) {
        throw new CliError(
          `badge ${uid} is already mapped${describeOwner(existing)}: add --replace to give it to another user`,
        );
      }
      const found = await findActiveUser(staff, who, baseUrl);
      if (!found.ok) throw new CliError(found.message);
      const userName = nameOf(found.user);
      const stored = badges.add(
        { uid, label: options.name, userId: found.user.id, userName, apiKey: null },
        { replace: options.replace === true },
      );
      const label = stored.label === null ? '' : `, label ${JSON.stringify(stored.label)}`;
      io.out(
        `${existing === null ? 'added' : 'replaced'} badge ${uid} -> ${userName} (MOCO user ${found.user.id}), booked with the Staff key${label}\n`,
      );
    });
  } finally {
    client.close();
  }
}

function describeEnrolment(enrolment: MocoEnrolment, uid: string, config: Config): string {
  const later = `the kiosks pick it up within ${Math.ceil(config.badges.syncSeconds / 60)} min`;
  switch (enrolment.kind) {
    case 'added':
      return `added badge ${uid} to ${nameOf(enrolment.user)} (MOCO user ${enrolment.user.id}) in MOCO's "${config.badges.field}" field; this kiosk knows it now, ${later}\n`;
    case 'already':
      return `badge ${uid} is in ${nameOf(enrolment.user)}'s "${config.badges.field}" field in MOCO already\n`;
    case 'manual':
      throw new CliError(
        `badge ${uid} is not enrolled: ${enrolment.why}. Instead, ${manualInstruction(enrolment, config.badges.field)} (${later})`,
      );
    case 'refused':
      throw new CliError(`badge ${uid} is not enrolled: ${enrolment.message}`);
  }
}

/** Badges kept in MOCO are changed in MOCO: the kiosk's copy follows at its next sync. */
function keptInMoco(config: Config, mocoBadges: MocoBadges, uid: string | null): CliError {
  const field = `"${config.badges.field}" field`;
  if (uid === null) {
    return new CliError(
      `badges are kept in MOCO (badges.source: moco): change them in the users' ${field} in MOCO`,
    );
  }
  const found = mocoBadges.lookup(uid);
  const whose =
    found.kind === 'user'
      ? `${found.user.name}'s (user ${found.user.id})`
      : found.kind === 'conflict'
        ? found.users.map((u) => `${u.name}'s (user ${u.id})`).join(' and ')
        : "the user's";
  return new CliError(
    `badges are kept in MOCO (badges.source: moco): change badge ${uid} in ${whose} ${field} in MOCO; the kiosks follow at their next sync`,
  );
}

/** `--key VALUE`, `--key -` (one line from stdin, so the key is not in shell history), or $MOCO_API_KEY. */
async function resolveKey(io: Io, option: string | undefined): Promise<string> {
  let key: string | undefined;
  if (option === '-') {
    key = io.stdin.isTTY === true ? await readHidden(io) : await readLine(io.stdin);
  } else {
    key = option ?? io.env[API_KEY_ENV];
  }
  if (key === undefined)
    throw new CliError(`give the API key with --key, --key - (stdin) or $${API_KEY_ENV}`, EXIT.usage);
  const source =
    option === '-' ? 'read from stdin' : option === undefined ? `in $${API_KEY_ENV}` : 'of --key';
  const problem = apiKeyProblem(key.trim());
  if (problem !== null) throw new CliError(`the API key ${source} ${problem}`, EXIT.usage);
  return key.trim();
}

/**
 * One line from the terminal without echo, as `sudo` and `ssh` read passwords: the key must not
 * stay on the screen or in a screen recording. Backspace works; Ctrl+C aborts.
 */
async function readHidden(io: Io): Promise<string> {
  const tty = io.stdin as NodeJS.ReadStream;
  // Echo off before the prompt: whoever answers it types into a silent terminal.
  tty.setRawMode(true);
  io.err('MOCO API key (not shown): ');
  try {
    return await new Promise<string>((resolve, reject) => {
      let key = '';
      const finish = (settle: () => void) => {
        tty.off('data', onData);
        tty.off('end', onEnd);
        tty.pause();
        settle();
      };
      const onData = (chunk: Buffer | string) => {
        for (const char of chunk.toString()) {
          if (char === '\u0003') {
            finish(() => reject(new CliError('interrupted: no badge added', EXIT.interrupted)));
            return;
          }
          if (char === '\r' || char === '\n' || char === '\u0004') {
            finish(() => resolve(key));
            return;
          }
          key = char === '\u007f' || char === '\b' ? key.slice(0, -1) : key + char;
        }
      };
      const onEnd = () => finish(() => resolve(key));
      tty.on('data', onData);
      tty.once('end', onEnd);
    });
  } finally {
    tty.setRawMode(false);
    io.err('\n');
  }
}

/** One line of a stream, without its line ending; what `--key -` and `web passwd` read. */
export async function readLine(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += chunk.toString();
    const end = text.indexOf('\n');
    if (end >= 0) return text.slice(0, end).replace(/\r$/, '');
  }
  return text;
}

/**
 * Opened before the switch to the data directory's owner, who may not write where the admin is, and
 * narrowed to 0600 even when the file existed: it may receive keys.
 */
function openOutput(path: string): number {
  try {
    const fd = openSync(path, 'w', 0o600);
    fchmodSync(fd, 0o600);
    return fd;
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

async function readImportFile(io: Io, file: string): Promise<string> {
  if (file === '-') {
    let text = '';
    for await (const chunk of io.stdin) text += chunk.toString();
    return text;
  }
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function importFailure(file: string, error: unknown): unknown {
  if (error instanceof BadgeError && error.code === 'import_row') {
    const lines = error.problems.map((p) => `  ${file} line ${p.line}: ${p.message}`);
    return new CliError(
      `nothing imported, ${file} has ${lines.length === 1 ? 'a bad row' : `${lines.length} bad rows`}:\n${lines.join('\n')}`,
    );
  }
  return error;
}

/** The shared `withStores` with the badge commands' context. */
async function withStore(
  io: Io,
  configOption: string | undefined,
  access: StoreAccess,
  action: (context: Context) => void | Promise<void>,
  noDatabase?: (path: string) => void,
): Promise<void> {
  await withStores(io, { config: configOption, access, noDatabase }, (stores, config) =>
    action({
      config,
      badges: stores.badges,
      mocoBadges: stores.mocoBadges,
      unknownScans: stores.unknownScans,
    }),
  );
}

function describeOwner(badge: { label: string | null; userName: string | null }): string {
  const who = [badge.label, badge.userName].filter((part) => part !== null);
  return who.length === 0 ? '' : ` (${[...new Set(who)].join(', ')})`;
}

function mocoJsonView(row: MocoBadgeRow) {
  return { ...row, lastSeenAt: row.lastSeenAt === null ? null : new Date(row.lastSeenAt).toISOString() };
}

function mocoTable(rows: MocoBadgeRow[], config: Config): string {
  if (rows.length === 0) {
    return `no badges in MOCO's "${config.badges.field}" field yet, as of the last sync (see "moco-timeclock status")\n`;
  }
  const lines = [
    ['UID', 'MOCO USER', 'LAST SEEN', ''],
    ...rows.map((r) => [
      r.uid,
      `${r.userName} (${r.userId})`,
      r.lastSeenAt === null ? 'never' : formatTime(r.lastSeenAt, config.timezone),
      r.conflict ? 'CONFLICT: on two users, taps count as unknown' : '',
    ]),
  ];
  return `${columns(lines)}${rows.length} badge${rows.length === 1 ? '' : 's'} kept in MOCO (copy of the last sync)\n`;
}

function jsonView(badge: BadgeSummary) {
  const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
  return {
    ...badge,
    createdAt: iso(badge.createdAt),
    updatedAt: iso(badge.updatedAt),
    lastSeenAt: iso(badge.lastSeenAt),
  };
}

const ADD_ONE = 'add one with "moco-timeclock badge add <uid> --key -"';

function table(list: BadgeSummary[], timeZone: string): string {
  if (list.length === 0) return `no badges yet: ${ADD_ONE}\n`;
  const rows = [
    ['UID', 'LABEL', 'MOCO USER', 'KEY', 'LAST SEEN'],
    ...list.map((b) => [
      b.uid,
      b.label ?? '-',
      b.userId === null ? '(not verified)' : `${b.userName ?? ''} (${b.userId})`.trim(),
      b.keyHint,
      b.lastSeenAt === null ? 'never' : formatTime(b.lastSeenAt, timeZone),
    ]),
  ];
  return `${columns(rows)}${list.length} badge${list.length === 1 ? '' : 's'}\n`;
}

/** Rows as columns two spaces apart, one line each. */
function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}

function formatTime(at: number, timeZone: string): string {
  return formatOverride(localParts(at, timeZone));
}

function ago(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 120) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`;
}
