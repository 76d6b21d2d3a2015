import type { Config } from '../config/index.js';
import type { Priority } from '../courier/rate-limiter.js';
import {
  type CredentialsFor,
  impersonationCredentials,
  userKeyCredentials,
} from '../identity/credentials.js';
import type { Logger } from '../log.js';
import type { MocoClient } from '../moco/client.js';
import { createTypedUidNormalizer, type Uid } from '../readers/uid.js';
import type { Stores } from '../store/open.js';
import type { Clock } from '../time/clock.js';
import type { Timers } from '../time/timers.js';
import { BadgeSync } from './sync.js';

/** Who a badge belongs to, as a tap asks it before it is journaled. */
export interface BadgeIdentity {
  uid: string;
  userId: number | null;
  userName: string | null;
}

/** Where the daemon's badges come from, and the key their taps are delivered with. */
export interface BadgeSource {
  /** The badge's person, or null: unknown, or (kept in MOCO) on two users. */
  find(uid: Uid): BadgeIdentity | null;
  markSeen(uid: Uid, at: number): void;
  credentialsFor: CredentialsFor;
  /** Begins keeping the copy of the badges kept in MOCO; nothing for local badges. */
  start(): void;
  stop(): Promise<void>;
}

export interface BadgeSourceDeps {
  config: Pick<Config, 'moco' | 'badges' | 'uid'>;
  stores: Pick<Stores, 'badges' | 'mocoBadges'>;
  /** The Staff key, with `moco.identity: impersonation`. */
  staffKey: string | null;
  client: MocoClient;
  limiter: { acquire(priority: Priority): Promise<void> };
  /** MOCO answers the sync again after it failed. */
  onMocoBack?: () => void;
  clock: Clock;
  timers: Timers;
  logger: Logger;
}

/**
 * `badges.source: local`: the kiosk's badge table, with each person's key or the Staff key.
 * `badges.source: moco`: the copy of MOCO's badge field, kept by a sync whose requests queue behind
 * every tap, and always the Staff key (the schema allows nothing else).
 */
export function createBadgeSource(deps: BadgeSourceDeps): BadgeSource {
  const { config, stores, staffKey } = deps;
  if (config.badges.source === 'local') {
    return {
      find: (uid) => stores.badges.identify(uid),
      markSeen: (uid, at) => stores.badges.markSeen(uid, at),
      credentialsFor:
        staffKey === null
          ? userKeyCredentials(stores.badges)
          : impersonationCredentials(staffKey, stores.badges),
      start: () => {},
      stop: async () => {},
    };
  }
  if (staffKey === null) throw new Error('badges kept in MOCO need moco.identity: impersonation');
  const cache = stores.mocoBadges;
  const log = deps.logger.child({ part: 'badges' });
  const sync = new BadgeSync({
    staff: deps.client.forKey(staffKey, { beforeRequest: () => deps.limiter.acquire('sync') }),
    store: cache,
    field: config.badges.field,
    normalize: createTypedUidNormalizer(config.uid),
    intervalMs: config.badges.syncSeconds * 1000,
    onRecovered: deps.onMocoBack,
    clock: deps.clock,
    timers: deps.timers,
    logger: log,
  });
  const find = (uid: string): BadgeIdentity | null => {
    const found = cache.lookup(uid);
    if (found.kind === 'conflict') {
      log.warn({ uid, users: found.users }, 'badge is on two MOCO users: counted as unknown');
    }
    return found.kind === 'user' ? { uid, userId: found.user.id, userName: found.user.name } : null;
  };
  return {
    find,
    markSeen: (uid, at) => cache.markSeen(uid, at),
    credentialsFor: impersonationCredentials(staffKey, {
      find: (uid) => {
        const badge = find(uid);
        return badge === null ? null : { userId: badge.userId, apiKey: null };
      },
    }),
    start: () => sync.start(),
    stop: () => sync.stop(),
  };
}
