import type { LocalParts } from '../../time/local.js';
import type { SimPresence, SimUser, SimUserChange } from './types.js';
import { type FieldErrors, type PresenceFields, validatePresence } from './validate.js';

interface StoredPresence extends PresenceFields {
  id: number;
  userId: number;
  created_at: string;
  updated_at: string;
}

export type PresenceResult =
  | { ok: true; presence: SimPresence }
  | { ok: false; status: 404 | 423 | 500 }
  | { ok: false; status: 422; errors: FieldErrors };

/** Where an open presence ends for overlap checks: it will close at an unknown later time that day. */
const END_OF_DAY = '24:00';

function endOf(p: PresenceFields): string {
  return p.to ?? END_OF_DAY;
}

function overlaps(a: PresenceFields, b: PresenceFields): boolean {
  return a.from < endOf(b) && b.from < endOf(a);
}

function byDateFrom(a: StoredPresence, b: StoredPresence): number {
  return a.date.localeCompare(b.date) || a.from.localeCompare(b.from) || a.id - b.id;
}

function defaultUuid(id: number): string {
  return `00000000-0000-4000-8000-${String(id).padStart(12, '0').slice(-12)}`;
}

/** A user as the simulator keeps it: every optional field resolved, with MOCO's timestamps. */
export interface StoredUser extends SimUser {
  uuid: string;
  active: boolean;
  customProperties: Record<string, string | string[]>;
  createdAt: string;
  updatedAt: string;
}

/**
 * The simulator's users and presences and MOCO's rules over them, without HTTP. `now` gives the
 * simulator's wall clock (for timestamps); touch receives its local time already resolved.
 */
export class SimState {
  private readonly users = new Map<number, StoredUser>();
  private readonly presencesById = new Map<number, StoredPresence>();
  private nextId = 1_000_001;

  constructor(
    private readonly now: () => number,
    /** The custom fields defined for users; writes to other names are ignored. */
    private readonly userFields: readonly string[] = ['Badge'],
  ) {}

  addUser(user: SimUser): void {
    if (this.users.has(user.id)) throw new Error(`simulator: user id ${user.id} already exists`);
    if (this.userByKey(user.apiKey) !== undefined) {
      throw new Error(`simulator: API key of user ${user.id} is already used by another user`);
    }
    const timestamp = this.timestamp();
    this.users.set(user.id, {
      ...user,
      uuid: user.uuid ?? defaultUuid(user.id),
      active: user.active ?? true,
      customProperties: { ...user.customProperties },
      createdAt: timestamp,
      updatedAt: timestamp,
    });
  }

  userById(id: number): StoredUser | undefined {
    return this.users.get(id);
  }

  userByKey(apiKey: string): StoredUser | undefined {
    for (const user of this.users.values()) if (user.apiKey === apiKey) return user;
    return undefined;
  }

  /** In the order they were added, as MOCO lists users roughly by creation (users-list-200.json). */
  allUsers(): StoredUser[] {
    return [...this.users.values()];
  }

  /** What an admin does in MOCO's web app: any field, defined custom field or not. */
  updateUser(id: number, change: SimUserChange): void {
    const user = this.users.get(id);
    if (user === undefined) throw new Error(`simulator: there is no user ${id}`);
    const { customProperties, ...fields } = change;
    Object.assign(user, fields);
    for (const [name, value] of Object.entries(customProperties ?? {})) {
      if (value === null) delete user.customProperties[name];
      else user.customProperties[name] = value;
    }
    user.updatedAt = this.timestamp();
  }

  /**
   * `PUT /users/{id}` with `custom_properties`: merged, names that are not defined for users are
   * ignored without an error (what the OpenAPI says of unknown custom field names).
   */
  writeCustomProperties(id: number, properties: Record<string, unknown>): void {
    const user = this.users.get(id);
    if (user === undefined) return;
    let changed = false;
    for (const [name, value] of Object.entries(properties)) {
      const valid =
        typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
      if (!this.userFields.includes(name) || !valid) continue;
      changed ||= JSON.stringify(user.customProperties[name]) !== JSON.stringify(value);
      user.customProperties[name] = value as string | string[];
    }
    if (changed) user.updatedAt = this.timestamp();
  }

  /** Presences sorted by date, from; all users' when `userId` is absent. */
  list(userId?: number): SimPresence[] {
    return [...this.presencesById.values()]
      .filter((p) => userId === undefined || p.userId === userId)
      .sort(byDateFrom)
      .map((p) => this.toPresence(p));
  }

  get(userId: number, id: number): SimPresence | undefined {
    const stored = this.owned(userId, id);
    return stored === undefined ? undefined : this.toPresence(stored);
  }

  create(userId: number, body: unknown): PresenceResult {
    const validated = validatePresence(body);
    if (!validated.ok) return refused(validated);
    if (this.conflicting(userId, validated.value) !== undefined) return rangeOverlaps();
    return { ok: true, presence: this.toPresence(this.insert(userId, validated.value)) };
  }

  update(userId: number, id: number, body: unknown): PresenceResult {
    const stored = this.owned(userId, id);
    if (stored === undefined) return { ok: false, status: 404 };
    const validated = validatePresence(body, stored);
    if (!validated.ok) return refused(validated);
    if (this.conflicting(userId, validated.value, id) !== undefined) return rangeOverlaps();
    Object.assign(stored, validated.value, { updated_at: this.timestamp() });
    return { ok: true, presence: this.toPresence(stored) };
  }

  /** The deleted presence, or undefined when the user has none with that id. */
  remove(userId: number, id: number): SimPresence | undefined {
    const stored = this.owned(userId, id);
    if (stored === undefined) return undefined;
    this.presencesById.delete(id);
    return this.toPresence(stored);
  }

  /**
   * MOCO's time clock: clocks out of the open presence of that date, or clocks in. Clocking out in the
   * minute of clocking in discards the presence; a conflict with another presence is refused (423).
   */
  touch(userId: number, at: LocalParts, isHomeOffice?: boolean): PresenceResult {
    const sameDay = [...this.presencesById.values()].filter((p) => p.userId === userId && p.date === at.date);
    const open = sameDay.find((p) => p.to === null);
    if (open !== undefined) {
      if (at.time < open.from) return { ok: false, status: 423 };
      const closed = { ...open, to: at.time, is_home_office: isHomeOffice ?? open.is_home_office };
      if (at.time === open.from) {
        this.presencesById.delete(open.id);
        return { ok: true, presence: this.toPresence({ ...closed, updated_at: this.timestamp() }) };
      }
      if (sameDay.some((p) => p.id !== open.id && overlaps(p, closed))) return { ok: false, status: 423 };
      Object.assign(open, closed, { updated_at: this.timestamp() });
      return { ok: true, presence: this.toPresence(open) };
    }
    if (sameDay.some((p) => p.from <= at.time && at.time < endOf(p))) return { ok: false, status: 423 };
    const created = this.insert(userId, {
      date: at.date,
      from: at.time,
      to: null,
      is_home_office: isHomeOffice ?? false,
    });
    return { ok: true, presence: this.toPresence(created) };
  }

  private owned(userId: number, id: number): StoredPresence | undefined {
    const stored = this.presencesById.get(id);
    return stored?.userId === userId ? stored : undefined;
  }

  private conflicting(userId: number, fields: PresenceFields, exceptId?: number): StoredPresence | undefined {
    for (const p of this.presencesById.values()) {
      if (p.userId === userId && p.id !== exceptId && p.date === fields.date && overlaps(p, fields)) return p;
    }
    return undefined;
  }

  private insert(userId: number, fields: PresenceFields): StoredPresence {
    const timestamp = this.timestamp();
    const stored = { ...fields, id: this.nextId++, userId, created_at: timestamp, updated_at: timestamp };
    this.presencesById.set(stored.id, stored);
    return stored;
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private toPresence(p: StoredPresence): SimPresence {
    const user = this.users.get(p.userId);
    return {
      id: p.id,
      date: p.date,
      from: p.from,
      to: p.to,
      is_home_office: p.is_home_office,
      user: { id: p.userId, firstname: user?.firstname ?? '', lastname: user?.lastname ?? '' },
      created_at: p.created_at,
      updated_at: p.updated_at,
    };
  }
}

function refused(validated: { errors: FieldErrors; malformed: boolean }): PresenceResult {
  return validated.malformed
    ? { ok: false, status: 500 }
    : { ok: false, status: 422, errors: validated.errors };
}

function rangeOverlaps(): PresenceResult {
  return { ok: false, status: 422, errors: { from: ['range overlaps'] } };
}
