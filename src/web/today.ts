import { type Explanation, explainMocoTrouble, KEY_UNREADABLE, keyRejected } from '../failures/explain.js';
import type { MocoClient, MocoCredentials } from '../moco/client.js';
import { isMocoError } from '../moco/errors.js';
import type { Presence } from '../moco/types.js';
import type { BadgeStore, BadgeSummary } from '../store/badges.js';
import type { MocoBadges } from '../store/moco-badges.js';
import { KeyCipherError } from '../store/secrets.js';
import type { Clock } from '../time/clock.js';
import { isValidLocalTime, localParts } from '../time/local.js';
import type { MocoBudget } from './moco.js';

/**
 * How far back an open presence is looked for: a forgotten clock-out is noticed within two weeks,
 * and two weeks of presences fit MOCO's first page of 100, so one user costs one request.
 */
export const LOOKBACK_DAYS = 14;
/** A user read less than this long ago is shown from memory: reloading the page costs MOCO nothing. */
export const FRESH_MS = 60_000;
/** Users read from MOCO for one page load at most; the others are shown as last read. */
export const READS_PER_PAGE = 10;
/** Requests to MOCO running at once for one page load. */
const PARALLEL_READS = 4;

/** A person this kiosk knows: their badges, and the key the page reads their presences with. */
export interface KnownUser {
  /** `user:1001`, or `badge:04A1` for a badge whose key was never verified. */
  id: string;
  name: string;
  userId: number | null;
  uids: string[];
}

export interface UserDay {
  user: KnownUser;
  /** When MOCO was last asked successfully; null: never yet. */
  readAt: number | null;
  today: Presence[];
  /** Presences of earlier days that were never closed: forgotten clock-outs. */
  openEarlier: Presence[];
  /** The last read failed: what it means. */
  problem: Explanation | null;
}

export interface TodayView {
  date: string;
  users: UserDay[];
  /** Why MOCO was not asked for this page, when it was not; the days shown are as last read. */
  notAsked: string | null;
}

export type CloseResult = { ok: true; presence: Presence; user: KnownUser } | { ok: false; message: string };

interface Entry {
  readAt: number | null;
  presences: Presence[];
  problem: Explanation | null;
}

export interface TodayDeps {
  /** The people the kiosk knows, one entry per MOCO user. */
  people(): KnownUser[];
  /** The key a person's presences are read with; null when their badge went. May throw KeyCipherError. */
  credentialsOf(user: KnownUser): MocoCredentials | null;
  client: MocoClient;
  budget: MocoBudget;
  clock: Clock;
  timeZone: string;
  baseUrl: string;
  /** A reason not to ask MOCO now (the daemon is delivering a backlog, MOCO is down), or null. */
  holdBack(): string | null;
}

/** Today's presences of the kiosk's users, read from MOCO within the page's share of the budget. */
export class TodayService {
  readonly #deps: TodayDeps;
  readonly #cache = new Map<string, Entry>();
  readonly #reading = new Map<string, Promise<void>>();

  constructor(deps: TodayDeps) {
    this.#deps = deps;
  }

  async view(): Promise<TodayView> {
    const { clock, timeZone } = this.#deps;
    const date = localParts(clock.now(), timeZone).date;
    const users = this.#deps.people();
    const notAsked = await this.#refresh(users, date);
    return {
      date,
      notAsked,
      users: users.map((user) => {
        const entry = this.#cache.get(user.id) ?? { readAt: null, presences: [], problem: null };
        return {
          user,
          readAt: entry.readAt,
          problem: entry.problem,
          today: entry.presences.filter((p) => p.date === date),
          openEarlier: entry.presences.filter((p) => p.date < date && p.to === null),
        };
      }),
    };
  }

  /**
   * Closes an open presence at `to` (HH:MM on the presence's day). Only a presence this page has
   * shown for that user can be closed: the form cannot be pointed at anyone else's.
   */
  async close(userId: string, presenceId: number, to: string): Promise<CloseResult> {
    const user = this.#deps.people().find((u) => u.id === userId);
    const presence = this.#cache.get(userId)?.presences.find((p) => p.id === presenceId);
    if (user === undefined || presence === undefined) {
      return { ok: false, message: 'that presence is not on the page any more: reload and try again' };
    }
    if (presence.to !== null) return { ok: false, message: 'that presence is closed already' };
    if (!isValidLocalTime(to)) return { ok: false, message: 'give the time as HH:MM, e.g. 17:30' };
    if (to <= presence.from) {
      return { ok: false, message: `the end must be after the start (${presence.from})` };
    }
    let credentials: MocoCredentials | null;
    try {
      credentials = this.#deps.credentialsOf(user);
    } catch (error) {
      if (!(error instanceof KeyCipherError)) throw error;
      return { ok: false, message: describe(KEY_UNREADABLE) };
    }
    if (credentials === null) return { ok: false, message: 'the badge was removed meanwhile' };
    if (!this.#deps.budget.take(1)) return { ok: false, message: budgetMessage() };
    try {
      // PUT with every field: MOCO documents PUT only, and a full body is right whether PUT
      // replaces the presence or merges into it (the sources differ, see the MOCO reference).
      const closed = await clientFor(this.#deps.client, credentials).updatePresence(presence.id, {
        date: presence.date,
        from: presence.from,
        to,
        ...(presence.is_home_office === undefined ? {} : { is_home_office: presence.is_home_office }),
      });
      this.#cache.delete(userId);
      return { ok: true, presence: closed, user };
    } catch (error) {
      if (!isMocoError(error)) throw error;
      this.#cache.delete(userId);
      if (error.code === 'invalid') {
        return {
          ok: false,
          message: `MOCO refused: it overlaps another presence that day (${error.message})`,
        };
      }
      return { ok: false, message: describe(this.#problemOf(error)) };
    }
  }

  async #refresh(users: KnownUser[], date: string): Promise<string | null> {
    const now = this.#deps.clock.now();
    const stale = users
      .filter((user) => {
        const readAt = this.#cache.get(user.id)?.readAt ?? null;
        return readAt === null || now - readAt >= FRESH_MS;
      })
      .sort((a, b) => (this.#cache.get(a.id)?.readAt ?? 0) - (this.#cache.get(b.id)?.readAt ?? 0));
    if (stale.length === 0) return null;
    const reason = this.#deps.holdBack();
    if (reason !== null) return reason;
    const chosen = stale.slice(0, Math.min(READS_PER_PAGE, this.#deps.budget.available()));
    for (let i = 0; i < chosen.length; i += PARALLEL_READS) {
      await Promise.all(chosen.slice(i, i + PARALLEL_READS).map((user) => this.#read(user, date)));
    }
    return chosen.length < stale.length ? budgetMessage() : null;
  }

  /** One read per user at a time, however many admins load the page at once. */
  #read(user: KnownUser, date: string): Promise<void> {
    const running = this.#reading.get(user.id);
    if (running !== undefined) return running;
    const read = this.#readNow(user, date).finally(() => this.#reading.delete(user.id));
    this.#reading.set(user.id, read);
    return read;
  }

  async #readNow(user: KnownUser, date: string): Promise<void> {
    const previous = this.#cache.get(user.id);
    let credentials: MocoCredentials | null;
    try {
      credentials = this.#deps.credentialsOf(user);
    } catch (error) {
      if (!(error instanceof KeyCipherError)) throw error;
      this.#cache.set(user.id, {
        readAt: previous?.readAt ?? null,
        presences: previous?.presences ?? [],
        problem: KEY_UNREADABLE,
      });
      return;
    }
    if (credentials === null || !this.#deps.budget.take(1)) return;
    try {
      const presences = await clientFor(this.#deps.client, credentials).listPresences({
        from: addDays(date, -LOOKBACK_DAYS),
        to: date,
      });
      this.#cache.set(user.id, {
        readAt: this.#deps.clock.now(),
        presences: presences.filter(
          (p) => user.userId === null || p.user?.id === undefined || p.user.id === user.userId,
        ),
        problem: null,
      });
    } catch (error) {
      if (!isMocoError(error)) throw error;
      this.#cache.set(user.id, {
        readAt: previous?.readAt ?? null,
        presences: previous?.presences ?? [],
        problem: this.#problemOf(error),
      });
    }
  }

  #problemOf(error: { code: Parameters<typeof explainMocoTrouble>[0]; message: string }): Explanation {
    if (error.code === 'unauthorized') return keyRejected('this person');
    return (
      explainMocoTrouble(error.code, { baseUrl: this.#deps.baseUrl }) ?? {
        meaning: `MOCO refused (${error.message})`,
        action: "check the person's account in MOCO",
      }
    );
  }
}

function clientFor(client: MocoClient, credentials: MocoCredentials) {
  return client.forKey(credentials.apiKey, { impersonateUserId: credentials.impersonateUserId });
}

/** `moco.identity: user-keys`: a person's presences are read with the key of one of their badges. */
export function ownKeyOf(badges: BadgeStore): (user: KnownUser) => MocoCredentials | null {
  return (user) => {
    for (const uid of user.uids) {
      const apiKey = badges.find(uid)?.apiKey;
      if (apiKey != null) return { apiKey };
    }
    return null;
  };
}

/** `moco.identity: impersonation`: with the Staff key, acting for the person. */
export function staffKeyFor(staffKey: string): (user: KnownUser) => MocoCredentials | null {
  return (user) => (user.userId === null ? null : { apiKey: staffKey, impersonateUserId: user.userId });
}

/** The people of the badges kept in MOCO, as the kiosk's copy has them. */
export function peopleInMoco(cache: MocoBadges): KnownUser[] {
  const users = new Map<number, KnownUser>();
  for (const row of cache.list()) {
    const known = users.get(row.userId);
    if (known !== undefined) known.uids.push(row.uid);
    else
      users.set(row.userId, {
        id: `user:${row.userId}`,
        name: row.userName,
        userId: row.userId,
        uids: [row.uid],
      });
  }
  return [...users.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** One entry per MOCO user (a person with two badges is one person), unverified badges each alone. */
export function knownUsers(badges: readonly BadgeSummary[]): KnownUser[] {
  const users = new Map<string, KnownUser>();
  for (const badge of badges) {
    const id = badge.userId === null ? `badge:${badge.uid}` : `user:${badge.userId}`;
    const known = users.get(id);
    if (known !== undefined) {
      known.uids.push(badge.uid);
      continue;
    }
    users.set(id, {
      id,
      name: badge.userName ?? badge.label ?? `badge ${badge.uid}`,
      userId: badge.userId,
      uids: [badge.uid],
    });
  }
  return [...users.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** `YYYY-MM-DD` plus `days` (negative: back), by the calendar. */
export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

function budgetMessage(): string {
  return "the page's share of MOCO's request limit is used up for now: the rest follows in a minute or two";
}

function describe(explanation: Explanation): string {
  return `${explanation.meaning}: ${explanation.action}`;
}
