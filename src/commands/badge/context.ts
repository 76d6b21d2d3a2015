import type { Config } from '../../config/index.js';
import type { KeyVerifier } from '../../enrolment/verify-key.js';
import { CliError, EXIT } from '../../exit.js';
import { createTypedUidNormalizer, type Uid } from '../../readers/uid.js';
import type { BadgeStore } from '../../store/badges.js';
import type { MocoBadges } from '../../store/moco-badges.js';
import type { StoreAccess } from '../../store/open.js';
import type { PrivilegedProcess } from '../../store/privileges.js';
import type { UnknownScans } from '../../store/unknown-scans.js';
import type { Clock } from '../../time/clock.js';
import { withStores } from '../stores.js';
import { ago, formatTime } from './format.js';

/** What every badge subcommand reads and writes through: the command's deps, resolved. */
export interface Io {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  out: (text: string) => void;
  err: (text: string) => void;
  clock: Clock;
  verifyKey: KeyVerifier;
  process: PrivilegedProcess;
}

export interface Context {
  config: Config & { configPath: string };
  badges: BadgeStore;
  mocoBadges: MocoBadges;
  unknownScans: UnknownScans;
}

export interface AddOptions {
  key?: string;
  user?: string;
  name?: string;
  lastUnknown?: boolean;
  verify: boolean;
  replace?: boolean;
  config?: string;
}

/** The most recent unknown tap's UID, said on stdout so the admin sees which badge it is. */
export function lastUnknown(io: Io, unknownScans: UnknownScans, timeZone: string): string {
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

/** The shared `withStores` with the badge commands' context. */
export async function withStore(
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

/**
 * The badge UID an admin typed (already past the admin rule, normalizeBadgeUid), in the form the
 * reader gives it (uid.format), so that the badge stored is the one a tap finds. A usage error
 * when it cannot be read in that form.
 */
export function inConfiguredForm(config: Pick<Config, 'uid'>, typed: Uid): Uid {
  const uid = createTypedUidNormalizer(config.uid)(typed);
  if (uid === null) throw new CliError(notInConfiguredForm(config, typed), EXIT.usage);
  return uid;
}

export function notInConfiguredForm(config: Pick<Config, 'uid'>, typed: string): string {
  return `${JSON.stringify(typed)} is not a badge UID as uid.format "${config.uid.format}" reads them`;
}

export function describeOwner(badge: { label: string | null; userName: string | null }): string {
  const who = [badge.label, badge.userName].filter((part) => part !== null);
  return who.length === 0 ? '' : ` (${[...new Set(who)].join(', ')})`;
}

/** Badges kept in MOCO are changed in MOCO: the kiosk's copy follows at its next sync. */
export function keptInMoco(config: Config, mocoBadges: MocoBadges, uid: string | null): CliError {
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
