import type { Logger } from '../../log.js';
import type { Clock } from '../../time/clock.js';
import type { Timers } from '../../time/timers.js';
import type { Presence } from '../types.js';

/** A presence as the simulator answers it: every field today's MOCO sends. */
export interface SimPresence extends Presence {
  is_home_office: boolean;
  user: { id: number; firstname: string; lastname: string };
  created_at: string;
  updated_at: string;
}

export interface SimUser {
  id: number;
  uuid?: string;
  firstname: string;
  lastname: string;
  email?: string;
  apiKey: string;
  /**
   * Staff keys may act for another user with `X-IMPERSONATE-USER-ID` and read users
   * (`GET /users`, `GET /users/{id}`); a normal key gets 403 there, as the 2026 probe did.
   */
  staff?: boolean;
  /**
   * Whether the key may change users (`PUT /users/{id}`); default: as `staff`. Which right MOCO
   * asks for is not recorded, so tests can make a Staff key that may not.
   */
  editsUsers?: boolean;
  /** Default true. A deactivated user is left out of `GET /users`, as in the 2022 recording. */
  active?: boolean;
  extern?: boolean;
  /** Custom fields by name, values as MOCO keeps them (strings; arrays for MultiSelect). */
  customProperties?: Record<string, string | string[]>;
  tags?: string[];
  birthday?: string;
}

/** A change an admin makes to a user in MOCO's web app; `updated_at` moves with it. */
export interface SimUserChange {
  firstname?: string;
  lastname?: string;
  active?: boolean;
  /** Merged into the user's; a value of null removes the field from the user. */
  customProperties?: Record<string, string | string[] | null>;
}

/**
 * Where MOCO's sources disagree (see test/fixtures/moco/README.md), the simulator can answer either
 * way, so the daemon is tested under each reading.
 */
export interface SimVariants {
  /** `honoured`: touch books the minute named by a body `override` string (docs). `ignored`: touch acts on now (2026 probe). */
  override: 'honoured' | 'ignored';
  /** `presence`: touch answers the presence (since 2022). `empty`: 200 with an empty body (before 2022). */
  touchBody: 'presence' | 'empty';
  /** `object`: DELETE answers 200 with the deleted presence (OpenAPI, 2026 probe). `empty`: 204 (recordings to 2022). */
  deleteAnswer: 'object' | 'empty';
}

export const DEFAULT_VARIANTS: SimVariants = {
  override: 'ignored',
  touchBody: 'presence',
  deleteAnswer: 'object',
};

export interface SimulatorOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** MOCO's time zone: dates and times of presences are local to it. */
  timeZone: string;
  /** Added to `clock.now()`: the simulator's "now" can run ahead of or behind the daemon's. */
  offsetMs?: number;
  /** Default DEMO_USERS. */
  users?: SimUser[];
  /**
   * The custom fields defined for users in MOCO's settings; default `['Badge']`. `PUT /users/{id}`
   * ignores any other name without an error, as MOCO does (OpenAPI: unknown names are ignored).
   */
  userFields?: string[];
  clock?: Clock;
  /** Run `faults.delayMs`; default the system's. */
  timers?: Timers;
  /** Answer touch with 200 and an empty body, as older MOCO servers did: `variants.touchBody: 'empty'`. */
  legacyEmptyTouchBody?: boolean;
  /** Default DEFAULT_VARIANTS. */
  variants?: Partial<SimVariants>;
  /** MOCO's real limit is 120 requests per 2 minutes; null or absent: unlimited. */
  enforceRateLimit?: { requests: number; windowMs: number } | null;
  /** When given, one line per answered request. */
  logger?: Logger;
  /** Serve HTTPS with this certificate and key (PEM), as MOCO does; absent: plain HTTP. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** How long an idle connection stays open, said in `Keep-Alive: timeout=N`; default 5, Node's. */
  keepAliveSeconds?: number;
}

/** Which requests lose their answer: a path pattern (any method), or a test of method and path. */
export type LossFilter = RegExp | ((method: string, path: string) => boolean);

export interface SimFaults {
  /** Offline closes the listening socket and every open connection (clients get ECONNREFUSED); online reopens on the same port. */
  setOffline(offline: boolean): Promise<void>;
  /** When set, every request answers this status. */
  serverError: number | null;
  /** Delay before applying and answering each request (or only those `delayOnly` matches). */
  delayMs: number;
  delayOnly: LossFilter | null;
  /** When set, every request answers 429, with Retry-After only if given. */
  rateLimited: { retryAfterSeconds?: number } | null;
  /**
   * The next `count` matching requests are applied, then their socket is destroyed without an answer.
   * Matching: the path (without query) matches the pattern whatever the method, or the function says
   * so; by default, POST to the touch endpoint.
   */
  loseResponses(count: number, filter?: LossFilter): void;
  reset(): void;
}

export interface SimRequest {
  method: string;
  /** Without the query string. */
  path: string;
  /** The raw query string without `?`, '' when none. */
  query: string;
  body: unknown;
  /** The user the request acted as (after impersonation), when its authentication was valid. */
  userId?: number;
  /** The `X-IMPERSONATE-USER-ID` header as sent, when there was one. */
  impersonate?: string;
  /** The status it was answered with (also when the answer was then lost); absent while unanswered. */
  status?: number;
}

export interface Simulator {
  /** `http://127.0.0.1:PORT`, or `https://` with `tls` */
  url: string;
  /** `${url}/api/v1` */
  baseUrl: string;
  port: number;
  faults: SimFaults;
  setOffsetMs(ms: number): void;
  addUser(user: SimUser): void;
  /** Changes a user as an admin would in MOCO's web app. Throws for an unknown id. */
  updateUser(id: number, change: SimUserChange): void;
  /** Snapshot, sorted by date, from. */
  presences(userId?: number): SimPresence[];
  requests(): SimRequest[];
  /**
   * What the simulator is doing now, for a test that drives time: `working` requests finish on
   * their own; `waiting` ones sit out `faults.delayMs` on the timers, their client still connected.
   */
  activity(): { working: number; waiting: number };
  close(): Promise<void>;
}
