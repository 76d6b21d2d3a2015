import type { Command } from 'commander';
import { CliError, EXIT } from '../../exit.js';
import { apiKeyProblem } from '../../moco/api-key.js';
import { normalizeBadgeUid } from '../../store/badges.js';
import { readHidden, readLine } from '../key-input.js';
import { CONFIG_HELP, loadConfigForCommand } from '../load-config.js';
import { addForUser } from './add-user.js';
import {
  type AddOptions,
  describeOwner,
  type Io,
  inConfiguredForm,
  lastUnknown,
  withStore,
} from './context.js';

export const API_KEY_ENV = 'MOCO_API_KEY';

/** `badge add`: a badge UID mapped to a person's own key, or (impersonation) to a MOCO user. */
export function defineAdd(badge: Command, io: Io): void {
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
  // A malformed UID typed on the command line is a usage error, found before touching any state.
  const admitted = uidArgument === undefined ? undefined : normalizeBadgeUid(uidArgument);
  const preloaded = loadConfigForCommand(options.config, io.env);
  const typedUid = admitted === undefined ? undefined : inConfiguredForm(preloaded, admitted);
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

/** `--key VALUE`, `--key -` (one line from stdin, so the key is not in shell history), or $MOCO_API_KEY. */
async function resolveKey(io: Io, option: string | undefined): Promise<string> {
  let key: string | undefined;
  if (option === '-') {
    key =
      io.stdin.isTTY === true
        ? await readHidden(
            io.stdin as NodeJS.ReadStream,
            { write: io.err },
            'MOCO API key (not shown): ',
            () => new CliError('interrupted: no badge added', EXIT.interrupted),
          )
        : await readLine(io.stdin);
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
