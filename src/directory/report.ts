import type { Config } from '../config/index.js';
import type { Explanation } from '../failures/explain.js';
import { staffKeyTrouble } from '../identity/users.js';
import type { MocoErrorCode } from '../moco/errors.js';
import type { BadgeStore } from '../store/badges.js';
import type { MocoBadges, UserRef } from '../store/moco-badges.js';
import { noFieldExplanation } from './sync.js';

/** Where the badges come from and what about them needs an admin: what `status` shows and `doctor` checks. */
export interface BadgesReport {
  source: Config['badges']['source'];
  identity: Config['moco']['identity'];
  /** UIDs a tap books with now. */
  count: number;
  /** For badges kept in MOCO: the copy and its sync. */
  moco: {
    field: string;
    users: number;
    /** Users MOCO sent the field for. */
    usersWithField: number;
    lastSyncAt: string | null;
    lastFullSyncAt: string | null;
    syncError: string | null;
    conflicts: { uid: string; users: UserRef[] }[];
  } | null;
  problems: Explanation[];
}

export function badgesReport(
  config: Pick<Config, 'moco' | 'badges'>,
  stores: { badges: BadgeStore; mocoBadges: MocoBadges },
  baseUrl: string,
): BadgesReport {
  const { source, field } = config.badges;
  const identity = config.moco.identity;
  if (source === 'local') {
    // Counted without decrypting: a key this master key cannot read must not take `status` down.
    const { total, withKey } = stores.badges.keyCounts();
    return { source, identity, count: total, moco: null, problems: keyProblems(identity, withKey, total) };
  }
  const summary = stores.mocoBadges.summary();
  const state = stores.mocoBadges.state();
  const iso = (ms: number | null | undefined) =>
    ms === null || ms === undefined ? null : new Date(ms).toISOString();
  const problems: Explanation[] = [];
  if (state === null || state.lastSuccessAt === null) {
    problems.push({
      meaning: 'the kiosk has not read the badges from MOCO yet',
      action: 'start the daemon (sudo systemctl start moco-timeclock): it reads them when it starts',
    });
  }
  if (state !== null && state.error !== null) {
    const code = (state.errorCode ?? 'protocol') as MocoErrorCode;
    problems.push({
      meaning: 'the last sync failed, the kiosk goes on with its copy',
      action: staffKeyTrouble({ code, message: state.error }, baseUrl),
    });
  }
  for (const conflict of summary.conflicts) {
    const holders = conflict.users.map((u) => `${u.name} (user ${u.id})`).join(' and ');
    problems.push({
      meaning: `badge ${conflict.uid} is on ${holders} in MOCO, so its taps count as unknown`,
      action: `remove it from all but one "${field}" field in MOCO`,
    });
  }
  if (summary.users > 0 && summary.withField === 0) {
    const similar = state?.similarFields ?? [];
    const noField = noFieldExplanation(field);
    const hint =
      similar.length === 0
        ? ''
        : `; users have a field named ${similar.map((n) => `"${n}"`).join(', ')}: is that the one?`;
    problems.push({ ...noField, action: `${noField.action}${hint}` });
  }
  for (const { user, entries } of summary.invalid) {
    const listed = entries.map((e) => JSON.stringify(e)).join(', ');
    problems.push({
      meaning: `${user.name}'s (user ${user.id}) "${field}" field holds ${listed}, which ${entries.length === 1 ? 'is no badge UID' : 'are no badge UIDs'}`,
      action: 'correct it in MOCO: UIDs as the kiosk shows them, separated by commas or spaces',
    });
  }
  return {
    source,
    identity,
    count: summary.badges,
    moco: {
      field,
      users: summary.users,
      usersWithField: summary.withField,
      lastSyncAt: iso(state?.lastSuccessAt),
      lastFullSyncAt: iso(state?.lastFullAt),
      syncError: state?.error ?? null,
      conflicts: summary.conflicts,
    },
    problems,
  };
}

/** Badges on this kiosk whose key does not fit `moco.identity`. */
function keyProblems(identity: Config['moco']['identity'], ownKeys: number, total: number): Explanation[] {
  if (identity === 'impersonation' && ownKeys > 0) {
    return [
      {
        meaning: `${ownKeys} badge${ownKeys === 1 ? ' still holds' : 's still hold'} a personal API key, which the Staff key makes unneeded`,
        action: `enrol ${ownKeys === 1 ? 'it' : 'them'} again with "moco-timeclock badge add <uid> --user <id> --replace" to remove the key`,
      },
    ];
  }
  if (identity === 'user-keys' && ownKeys < total) {
    const none = total - ownKeys;
    return [
      {
        meaning: `${none} badge${none === 1 ? ' has' : 's have'} no API key of ${none === 1 ? 'its' : 'their'} own (enrolled for the Staff key), so ${none === 1 ? 'its' : 'their'} taps fail`,
        action: `set moco.identity: impersonation, or enrol ${none === 1 ? 'it' : 'them'} again with --key`,
      },
    ];
  }
  return [];
}
