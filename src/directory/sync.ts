import { errorMessage } from '../error-message.js';
import type { Explanation } from '../failures/explain.js';
import type { Logger } from '../log.js';
import type { MocoUserClient } from '../moco/client.js';
import { isMocoError } from '../moco/errors.js';
import { MAX_PER_PAGE } from '../moco/pagination.js';
import type { MocoUser } from '../moco/types.js';
import type { MocoBadges, MocoSyncState } from '../store/moco-badges.js';
import type { Clock } from '../time/clock.js';
import type { TimerHandle, Timers } from '../time/timers.js';
import { directoryEntry, similarFieldNames } from './field.js';

/** Every user is read again at least this often, whatever the incremental reads missed. */
export const FULL_SYNC_MS = 86_400_000;
/**
 * How far before the latest `updated_at` seen an incremental read starts. No recording shows what
 * `updated_after` compares (before or after, seconds or less, which change moves `updated_at`), so
 * it starts early and reads a few users twice rather than miss one.
 */
export const OVERLAP_MS = 10 * 60_000;

export type SyncKind = 'full' | 'changes';

export interface BadgeSyncDeps {
  /** The Staff key's own client (no impersonation: listing users takes its rights), rate limited. */
  staff: MocoUserClient;
  store: MocoBadges;
  /** `badges.field`. */
  field: string;
  /** How a UID typed into the field is normalised (createTypedUidNormalizer). */
  normalize: (raw: string) => string | null;
  intervalMs: number;
  /** Told when a read succeeds after one failed: MOCO is back, which the courier may not know yet. */
  onRecovered?: () => void;
  clock: Clock;
  timers: Timers;
  logger: Logger;
}

/**
 * Keeps the kiosk's copy of the badges kept in MOCO: all users at start and once a day, the users
 * changed since the last read every `badges.syncSeconds` in between. A read that fails leaves the
 * copy as it was; the kiosk goes on with it and the next read catches up.
 *
 * MOCO's list leaves deactivated users out (users-list-200.json beside user-get-200.json), so only a
 * full read shows that someone left. Where the users fit into one page, a full read costs the one
 * request an incremental read costs, and every read is full: a deactivated user's badges stop at the
 * next sync. Above 100 users they stop at the daily full read, or sooner if MOCO's incremental answer
 * shows the user with `active: false` (not recorded either way).
 */
export class BadgeSync {
  readonly #deps: BadgeSyncDeps;
  #timer: TimerHandle | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  #lastError: string | null = null;
  readonly #reported = new Set<string>();

  constructor(deps: BadgeSyncDeps) {
    this.#deps = deps;
  }

  /** The first read now, the next ones every interval after the previous one ended. */
  start(): void {
    this.#stopped = false;
    void this.syncNow();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) this.#deps.timers.clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** One read, unless one is running already (then that one). */
  syncNow(): Promise<void> {
    this.#running ??= this.#run().finally(() => {
      this.#running = null;
      if (this.#stopped) return;
      if (this.#timer !== null) this.#deps.timers.clearTimeout(this.#timer);
      this.#timer = this.#deps.timers.setTimeout(() => {
        this.#timer = null;
        void this.syncNow();
      }, this.#deps.intervalMs);
    });
    return this.#running;
  }

  async #run(): Promise<void> {
    const { store, clock, logger, field } = this.#deps;
    const now = clock.now();
    let state = store.state();
    if (state !== null && state.field !== field) {
      // A copy read from another field does not tell whose a badge is under this one.
      store.clear();
      logger.info({ field, was: state.field }, 'badge field changed: the copy of the badges is read anew');
      state = null;
    }
    const base: MocoSyncState = state ?? {
      field,
      lastFullAt: null,
      lastSuccessAt: null,
      lastAttemptAt: null,
      highWater: null,
      fullCount: null,
      similarFields: [],
      error: null,
      errorCode: null,
    };
    const kind = kindOf(base, now);
    try {
      const next = kind === 'full' ? await this.#full(base, now) : await this.#changes(base);
      store.saveState({
        ...next,
        lastAttemptAt: now,
        lastSuccessAt: clock.now(),
        error: null,
        errorCode: null,
      });
      if (this.#lastError !== null) this.#deps.onRecovered?.();
      this.#lastError = null;
      this.#report();
    } catch (error) {
      if (!isMocoError(error)) logger.error({ err: error }, 'badge sync failed locally');
      const reason = describe(error);
      const errorCode = isMocoError(error) ? error.code : 'local';
      store.saveState({ ...base, lastAttemptAt: now, error: reason, errorCode });
      // Every interval of an outage would be a line each: the first, and one per new kind of failure.
      const topic = isMocoError(error) ? (error.code === 'uncertain' ? 'unreachable' : error.code) : 'local';
      if (topic !== this.#lastError)
        logger.warn({ kind, reason }, 'badge sync failed; the kiosk goes on with its copy');
      this.#lastError = topic;
    }
  }

  async #full(state: MocoSyncState, now: number): Promise<MocoSyncState> {
    const { staff, store, field, normalize, logger } = this.#deps;
    const started = this.#deps.clock.now();
    const users = await staff.listUsers();
    const active = users.filter((u) => u.active);
    store.replaceAll(active.map((u) => directoryEntry(u, field, normalize)));
    const summary = store.summary();
    logger.info(
      {
        kind: 'full',
        users: active.length,
        badges: summary.badges,
        conflicts: summary.conflicts.length,
        ms: this.#deps.clock.now() - started,
      },
      'badges synced',
    );
    return {
      ...state,
      lastFullAt: now,
      fullCount: active.length,
      highWater: latest(state.highWater, users),
      similarFields: similarFieldNames(users, field),
    };
  }

  async #changes(state: MocoSyncState): Promise<MocoSyncState> {
    const { staff, store, field, normalize, logger } = this.#deps;
    const since = new Date(Date.parse(state.highWater as string) - OVERLAP_MS)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const users = await staff.listUsers({ updatedAfter: since });
    const active = users.filter((u) => u.active);
    const gone = users.filter((u) => !u.active).map((u) => u.id);
    store.update(
      active.map((u) => directoryEntry(u, field, normalize)),
      gone,
    );
    const fields = new Set([...state.similarFields, ...similarFieldNames(users, field)]);
    if (users.length > 0)
      logger.debug({ kind: 'changes', users: users.length, gone: gone.length }, 'badges synced');
    return { ...state, highWater: latest(state.highWater, users), similarFields: [...fields] };
  }

  /** A new conflict, or a field nobody has, is said once per process; status and doctor say it always. */
  #report(): void {
    const { store, field, logger } = this.#deps;
    const summary = store.summary();
    for (const conflict of summary.conflicts) {
      const key = `${conflict.uid}:${conflict.users.map((u) => u.id).join(',')}`;
      if (this.#reported.has(key)) continue;
      this.#reported.add(key);
      logger.warn(
        { uid: conflict.uid, users: conflict.users },
        'badge is on two MOCO users: its taps count as unknown until one of them no longer has it',
      );
    }
    if (summary.users > 0 && summary.withField === 0 && !this.#reported.has('no-field')) {
      this.#reported.add('no-field');
      const { meaning, action } = noFieldExplanation(field);
      logger.warn({ field, users: summary.users }, `${meaning}: ${action}`);
    }
  }
}

/** One wording for `status`, `doctor` and the log. */
export function noFieldExplanation(field: string): Explanation {
  return {
    meaning: `no user has a "${field}" field`,
    action:
      "define it for users in MOCO's settings (custom fields) and enter the badge UIDs there, or correct badges.field",
  };
}

function kindOf(state: MocoSyncState, now: number): SyncKind {
  if (state.lastFullAt === null || state.highWater === null) return 'full';
  // A clock that went back counts as a day gone by: better one read too many than a stale copy.
  if (now - state.lastFullAt >= FULL_SYNC_MS || now < state.lastFullAt) return 'full';
  return (state.fullCount ?? Number.POSITIVE_INFINITY) <= MAX_PER_PAGE ? 'full' : 'changes';
}

function latest(current: string | null, users: readonly MocoUser[]): string | null {
  let best = current;
  for (const user of users) {
    const at = Date.parse(user.updated_at);
    if (Number.isNaN(at)) continue;
    if (best === null || at > Date.parse(best)) best = user.updated_at;
  }
  return best;
}

function describe(error: unknown): string {
  if (isMocoError(error))
    return `${error.status === undefined ? '' : `${error.status} `}${error.code}: ${error.message}`;
  return `local error: ${errorMessage(error)}`;
}
