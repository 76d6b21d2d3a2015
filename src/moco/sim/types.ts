import type { Logger } from '../../log.js';
import type { Clock } from '../../time/clock.js';
import type { Presence } from '../types.js';

export interface SimUser {
  id: number;
  uuid?: string;
  firstname: string;
  lastname: string;
  email?: string;
  apiKey: string;
  /** Staff keys may act for another user with `X-IMPERSONATE-USER-ID`. */
  staff?: boolean;
}

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
  clock?: Clock;
  /** Answer touch with 200 and an empty body, as older MOCO servers did. */
  legacyEmptyTouchBody?: boolean;
  /** MOCO's real limit is 120 requests per 2 minutes; null or absent: unlimited. */
  enforceRateLimit?: { requests: number; windowMs: number } | null;
  /** When given, one line per answered request. */
  logger?: Logger;
}

export interface SimFaults {
  /** Offline closes the listening socket and every open connection (clients get ECONNREFUSED); online reopens on the same port. */
  setOffline(offline: boolean): Promise<void>;
  /** When set, every request answers this status. */
  serverError: number | null;
  /** Delay before answering each request. */
  delayMs: number;
  /** When set, every request answers 429, with Retry-After only if given. */
  rateLimited: { retryAfterSeconds?: number } | null;
  /**
   * The next `count` matching requests are applied, then their socket is destroyed without an answer.
   * Matching: the path (without query) matches `pathFilter` whatever the method; by default, POST to
   * the touch endpoint.
   */
  loseResponses(count: number, pathFilter?: RegExp): void;
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
}

export interface Simulator {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `${url}/api/v1` */
  baseUrl: string;
  port: number;
  faults: SimFaults;
  setOffsetMs(ms: number): void;
  addUser(user: SimUser): void;
  /** Snapshot, sorted by date, from. */
  presences(userId?: number): Presence[];
  requests(): SimRequest[];
  close(): Promise<void>;
}
