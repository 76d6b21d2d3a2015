import { randomBytes } from 'node:crypto';
import type { Clock } from '../time/clock.js';

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

/** Enrolment by tap: waiting for an unknown badge since `since`, then the badge that came. */
export interface EnrolState {
  since: number;
  tapped: { uid: string; at: number } | null;
}

export interface Session {
  readonly id: string;
  readonly createdAt: number;
  /** The fingerprint of the password it was opened with. */
  readonly password: string;
  /** Shown once, on the page after a form was sent. */
  flash: Flash | null;
  enrol: EnrolState | null;
}

/** A few admins with a phone and a laptop each; more means someone is filling memory. */
const MAX_SESSIONS = 50;

/**
 * Logins, kept in the web process only: the cookie holds a random id (signed), never any data. A
 * restart of the page logs everyone out, which is the safe way round for a page guarding API keys.
 */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #clock: Clock;
  readonly #maxAgeMs: number;

  constructor(clock: Clock, maxAgeMs: number) {
    this.#clock = clock;
    this.#maxAgeMs = maxAgeMs;
  }

  get maxAgeMs(): number {
    return this.#maxAgeMs;
  }

  open(passwordFingerprint: string): Session {
    this.#expire();
    if (this.#sessions.size >= MAX_SESSIONS) {
      // Maps iterate in insertion order: the first is the oldest login.
      const oldest = this.#sessions.keys().next().value as string;
      this.#sessions.delete(oldest);
    }
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      createdAt: this.#clock.now(),
      password: passwordFingerprint,
      flash: null,
      enrol: null,
    };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, or null: unknown, expired, or opened with a replaced password. */
  get(id: string, passwordFingerprint: string | null): Session | null {
    const session = this.#sessions.get(id);
    if (session === undefined) return null;
    if (this.#expired(session) || session.password !== passwordFingerprint) {
      this.#sessions.delete(id);
      return null;
    }
    return session;
  }

  close(id: string): void {
    this.#sessions.delete(id);
  }

  #expired(session: Session): boolean {
    return this.#clock.now() - session.createdAt >= this.#maxAgeMs;
  }

  #expire(): void {
    for (const [id, session] of this.#sessions) if (this.#expired(session)) this.#sessions.delete(id);
  }
}
