import type { z } from 'zod';
import { KeyScrubber } from '../key-scrubber.js';
import type { Logger } from '../log.js';
import { type Clock, systemClock } from '../time/clock.js';
import { systemTimers, type Timers } from '../time/timers.js';
import { apiKeyProblem } from './api-key.js';
import { createTrackedAgents } from './connections.js';
import {
  describeIssue,
  presenceListSchema,
  presenceSchema,
  profileSchema,
  sessionSchema,
  userListSchema,
  userSchema,
} from './decode.js';
import { MocoError } from './errors.js';
import { errorFromStatus, protocolError, readBody } from './http-errors.js';
import { type HttpAnswer, type HttpTransport, NodeHttpTransport } from './http-transport.js';
import { KeepWarm, type KeepWarmSettings, keepWarmPlan, type RateWindow } from './keep-warm.js';
import { MAX_PER_PAGE, nextPageUrl } from './pagination.js';
import type { MocoUser, Presence, PresenceInput, Profile, Session, TouchInput } from './types.js';
import type { MocoAnswer } from './watch.js';

export interface MocoClientOptions {
  /** `https://{domain}.mocoapp.com/api/v1` or `moco.baseUrl` (see base-url.ts). */
  baseUrl: string;
  timeoutMs: number;
  /** One debug line per request (method, path, status, duration); never headers or keys. */
  logger?: Logger;
  /** Turns a `Retry-After` date into a delay. */
  clock?: Clock;
  /** Told of every HTTP answer (status and `Date` header), whichever key asked. */
  onAnswer?: (answer: MocoAnswer) => void;
  /** Learns every key this client sends, to take them out of answers (and, shared, out of the log). */
  scrubber?: KeyScrubber;
  /** `moco.caFile`: certificates trusted beside Node's built-in roots. */
  caFile?: string | null;
  /** Run the request deadline and keep-warm's pings; default the system's. */
  timers?: Timers;
  /**
   * The daemon's: keeps the connection open between taps with a `GET /session` shortly before MOCO
   * would close it (keep-warm.ts), asked with the key of the last request MOCO accepted.
   */
  keepWarm?: {
    settings: KeepWarmSettings;
    /** The rate limiter's window, which keep-warm spends its share of. */
    limit: RateWindow;
    tryAcquire: () => boolean;
  };
}

export interface PresenceQuery {
  /** `YYYY-MM-DD`; `from` and `to` go together. */
  from?: string;
  to?: string;
  userId?: number;
  isHomeOffice?: boolean;
}

export interface UserQuery {
  /**
   * Only users changed after this instant (MOCO's `updated_after`, an ISO8601 time as MOCO writes
   * `updated_at`). No recording shows this filter at work: a caller must stay right if MOCO ignores
   * it (every user comes back) or if a change does not move `updated_at` (see directory/sync.ts).
   */
  updatedAfter?: string;
}

/** MOCO as one user (or, with a staff key, as the impersonated user). Every failure is a MocoError. */
export interface MocoUserClient {
  /**
   * Clock in or out at MOCO's "now". Null when the server answered with an empty body (before 2022).
   * A `protocol` error with a 2xx `status` means MOCO applied the toggle but answered unreadably;
   * only `uncertain` leaves open whether it happened. No `override` is ever sent: the sources
   * disagree on what it is (body string, query boolean, ignored), so nothing may rest on it.
   */
  touch(input?: TouchInput): Promise<Presence | null>;
  /** Every page, in MOCO's order. */
  listPresences(query?: PresenceQuery): Promise<Presence[]>;
  getPresence(id: number): Promise<Presence>;
  createPresence(input: PresenceInput): Promise<Presence>;
  updatePresence(id: number, input: PresenceInput): Promise<Presence>;
  deletePresence(id: number): Promise<void>;
  session(): Promise<Session>;
  profile(): Promise<Profile>;
  /**
   * Every page of `GET /users`. A normal user key gets 403 with an empty body (live probe, 2026-10:
   * users-list-403-probe.json); the 2022 recordings were made with a key that could manage users.
   */
  listUsers(query?: UserQuery): Promise<MocoUser[]>;
  /** `GET /users/{id}`; 403 for a normal key, even for its own id (user-get-403-probe.json). */
  getUser(id: number): Promise<MocoUser>;
  /**
   * `PUT /users/{id}` with `custom_properties`, which MOCO merges into the user's. Nothing in the
   * reference shows what this answers or which right it needs, and a field name MOCO does not know
   * is ignored without an error: any 2xx is taken as "sent", and only a read afterwards can tell
   * whether the value is there.
   */
  updateUserCustomProperties(id: number, properties: Record<string, string | string[]>): Promise<void>;
}

/** The key a request is sent with, and for a Staff key the user it acts as. */
export interface MocoCredentials {
  apiKey: string;
  /** Staff keys only: act as this MOCO user (`X-IMPERSONATE-USER-ID`). */
  impersonateUserId?: number;
}

interface Answer {
  label: string;
  status: number;
  body: unknown;
  link: string | undefined;
}

/** A pathological server could link pages forever; 1000 pages are 100,000 presences. */
const MAX_PAGES = 1000;

/**
 * The MOCO API over HTTP. One instance per process: it owns the keep-alive sockets, shared by the
 * per-key clients that `forKey` hands out.
 */
export class MocoClient {
  private readonly transport: Transport;

  /** `http`: the exchanges go through it instead of this client's own sockets (tests). */
  constructor(options: MocoClientOptions, http?: HttpTransport) {
    this.transport = new Transport(options, http);
  }

  /**
   * `beforeRequest` is awaited before every request this client sends, each page of a list
   * included: where a rate limiter must see each request, not each call.
   */
  forKey(
    apiKey: string,
    options: { impersonateUserId?: number; beforeRequest?: () => Promise<void> } = {},
  ): MocoUserClient {
    this.transport.scrubber.add(apiKey);
    return new KeyClient(
      this.transport,
      { apiKey, impersonateUserId: options.impersonateUserId },
      options.beforeRequest,
    );
  }

  /**
   * Opens a connection to MOCO, or finds one open, without sending anything on it (see
   * TrackedAgents.warm): nothing about a tap may go out before its commit, but a connection may.
   * False when it could not be opened.
   */
  warm(): Promise<boolean> {
    return this.transport.warm();
  }

  /** Closes pooled sockets so the process can exit. An injected transport is the caller's. */
  close(): void {
    this.transport.close();
  }
}

class Transport {
  private readonly http: HttpTransport;
  private readonly ownsHttp: boolean;
  private readonly base: URL;
  private readonly log: Logger | undefined;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly onAnswer: ((answer: MocoAnswer) => void) | undefined;
  private readonly keepWarm: KeepWarm | undefined;
  /** Keep-warm asks with these: the key of the last request MOCO accepted, acting for no one. */
  private pingWith: MocoCredentials | null = null;
  readonly scrubber: KeyScrubber;

  constructor(options: MocoClientOptions, http: HttpTransport | undefined) {
    this.base = new URL(options.baseUrl.replace(/\/+$/, ''));
    this.onAnswer = options.onAnswer;
    this.scrubber = options.scrubber ?? new KeyScrubber();
    this.log = options.logger?.child({ part: 'moco' });
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = options.timeoutMs;
    const warmth = options.keepWarm;
    const plan = warmth === undefined ? undefined : keepWarmPlan(warmth.settings, warmth.limit);
    const timers = options.timers ?? systemTimers;
    this.ownsHttp = http === undefined;
    this.http =
      http ??
      new NodeHttpTransport(
        createTrackedAgents({
          caFile: options.caFile,
          idleSocketMs: plan?.on === true ? plan.idleSocketMs : undefined,
        }),
        timers,
      );
    if (warmth === undefined || plan === undefined) return;
    if (!plan.on) {
      this.log?.info({ reason: plan.reason }, 'not keeping a connection to MOCO ready');
      return;
    }
    this.log?.info({ everySeconds: plan.everyMs / 1000 }, 'keeping a connection to MOCO ready');
    this.keepWarm = new KeepWarm({
      plan,
      limit: warmth.limit,
      share: warmth.settings.share,
      tryAcquire: warmth.tryAcquire,
      canPing: () => this.pingWith !== null,
      ping: () => this.ping(),
      timers,
      logger: this.log,
    });
  }

  warm(): Promise<boolean> {
    return this.http.warm(this.base.origin);
  }

  close(): void {
    this.keepWarm?.stop();
    if (this.ownsHttp) this.http.close();
  }

  /**
   * `GET /session`: changes nothing, needs no right beyond a valid key, and answers two fields
   * whatever the account holds (session-200.json), so it is the cheapest request MOCO has.
   */
  private async ping(): Promise<void> {
    const credentials = this.pingWith;
    if (credentials === null) return;
    try {
      await this.send(credentials, 'GET', this.url('/session'));
    } catch (error) {
      if (error instanceof MocoError && error.code === 'unauthorized') this.pingWith = null;
      throw error;
    }
  }

  /** `/users/presences` -> absolute URL under the base path. */
  url(path: string, query?: URLSearchParams): string {
    const url = new URL(this.base.href);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
    if (query !== undefined) url.search = query.toString();
    return url.href;
  }

  /** Pagination links must stay on MOCO's origin: following one elsewhere would hand our key to it. */
  isOwnUrl(url: string): boolean {
    return new URL(url).origin === this.base.origin;
  }

  async send(credentials: MocoCredentials, method: string, url: string, body?: unknown): Promise<Answer> {
    const label = `${method} ${new URL(url).pathname}`;
    const headers = authHeaders(label, credentials);
    const started = performance.now();
    let response: HttpAnswer;
    try {
      response = await this.http.send({
        label,
        method,
        url,
        headers: {
          ...headers,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        timeoutMs: this.timeoutMs,
        // A new key's variants are needed only to scrub what comes back: worked out while the
        // request is on its way, not before it leaves.
        onSent: () => this.scrubber.prepare(),
      });
    } catch (error) {
      const failure =
        error instanceof MocoError
          ? error
          : new MocoError('uncertain', `MOCO ${label}: request failed in an unexpected way`);
      this.log?.debug({ request: label, code: failure.code, ms: elapsed(started) }, 'moco request failed');
      throw failure;
    }
    this.log?.debug({ request: label, status: response.status, ms: elapsed(started) }, 'moco request');
    this.onAnswer?.({ status: response.status, date: headerValue(response.headers.date) });
    if (response.status >= 200 && response.status <= 299) this.pingWith = { apiKey: credentials.apiKey };
    this.keepWarm?.answered(headerValue(response.headers['keep-alive']));
    // A server that echoes our request must not put a key into an error's body or message.
    const parsedBody = readBody(this.scrubber.scrub(response.text));
    if (response.status < 200 || response.status > 299) {
      const retryAfter = headerValue(response.headers['retry-after']);
      throw errorFromStatus(label, response.status, parsedBody, retryAfter, this.clock.now());
    }
    return { label, status: response.status, body: parsedBody, link: headerValue(response.headers.link) };
  }
}

class KeyClient implements MocoUserClient {
  constructor(
    private readonly client: Transport,
    private readonly credentials: MocoCredentials,
    private readonly beforeRequest: (() => Promise<void>) | undefined,
  ) {}

  async touch(input: TouchInput = {}): Promise<Presence | null> {
    const body: Record<string, unknown> = {};
    if (input.isHomeOffice !== undefined) body.is_home_office = input.isHomeOffice;
    const answer = await this.call('POST', this.client.url('/users/presences/touch'), body);
    return answer.body === undefined ? null : decode(presenceSchema, answer);
  }

  async listPresences(query: PresenceQuery = {}): Promise<Presence[]> {
    if ((query.from === undefined) !== (query.to === undefined)) {
      throw new MocoError('invalid', 'listPresences: from and to must be given together');
    }
    const params = new URLSearchParams();
    if (query.from !== undefined && query.to !== undefined) {
      params.set('from', query.from);
      params.set('to', query.to);
    }
    if (query.userId !== undefined) params.set('user_id', String(query.userId));
    if (query.isHomeOffice !== undefined) params.set('is_home_office', String(query.isHomeOffice));
    return this.everyPage('/users/presences', params, presenceListSchema);
  }

  async listUsers(query: UserQuery = {}): Promise<MocoUser[]> {
    const params = new URLSearchParams();
    if (query.updatedAfter !== undefined) params.set('updated_after', query.updatedAfter);
    return this.everyPage('/users', params, userListSchema);
  }

  async getUser(id: number): Promise<MocoUser> {
    return decode(userSchema, await this.call('GET', this.userUrl(id)));
  }

  async updateUserCustomProperties(id: number, properties: Record<string, string | string[]>): Promise<void> {
    await this.call('PUT', this.userUrl(id), { custom_properties: properties });
  }

  async getPresence(id: number): Promise<Presence> {
    return decode(presenceSchema, await this.call('GET', this.presenceUrl(id)));
  }

  async createPresence(input: PresenceInput): Promise<Presence> {
    return decode(presenceSchema, await this.call('POST', this.client.url('/users/presences'), input));
  }

  async updatePresence(id: number, input: PresenceInput): Promise<Presence> {
    return decode(presenceSchema, await this.call('PUT', this.presenceUrl(id), input));
  }

  /** MOCO answered 204 with no body until 2022 and 200 with the deleted presence since: either is success. */
  async deletePresence(id: number): Promise<void> {
    await this.call('DELETE', this.presenceUrl(id));
  }

  async session(): Promise<Session> {
    return decode(sessionSchema, await this.call('GET', this.client.url('/session')));
  }

  async profile(): Promise<Profile> {
    return decode(profileSchema, await this.call('GET', this.client.url('/profile')));
  }

  /** Follows `Link rel="next"` to the last page, in MOCO's order, asking for its largest pages. */
  private async everyPage<T>(path: string, params: URLSearchParams, schema: z.ZodType<T[]>): Promise<T[]> {
    params.set('per_page', String(MAX_PER_PAGE));
    const all: T[] = [];
    const seen = new Set<string>();
    let url: string | undefined = this.client.url(path, params);
    while (url !== undefined) {
      if (seen.size >= MAX_PAGES) {
        throw new MocoError('protocol', `GET ${path}: more than ${MAX_PAGES} pages`);
      }
      seen.add(url);
      const answer = await this.call('GET', url);
      all.push(...decode(schema, answer));
      url = this.nextPage(answer, url, seen);
    }
    return all;
  }

  private userUrl(id: number): string {
    if (!Number.isSafeInteger(id) || id <= 0) {
      throw new MocoError('invalid', `user id ${id} is not valid`);
    }
    return this.client.url(`/users/${id}`);
  }

  private presenceUrl(id: number): string {
    if (!Number.isSafeInteger(id) || id <= 0) {
      throw new MocoError('invalid', `presence id ${id} is not valid`);
    }
    return this.client.url(`/users/presences/${id}`);
  }

  private async call(method: string, url: string, body?: unknown): Promise<Answer> {
    await this.beforeRequest?.();
    return this.client.send(this.credentials, method, url, body);
  }

  private nextPage(answer: Answer, url: string, seen: Set<string>): string | undefined {
    let next: string | undefined;
    try {
      next = nextPageUrl(answer.link, url);
    } catch {
      throw protocolError(answer.label, answer.status, answer.body, 'an unreadable next-page link');
    }
    if (next === undefined) return undefined;
    if (!this.client.isOwnUrl(next)) {
      throw protocolError(answer.label, answer.status, undefined, 'a next-page link to another host');
    }
    if (seen.has(next)) {
      throw protocolError(answer.label, answer.status, undefined, 'a next-page link in a loop');
    }
    return next;
  }
}

/** Any 2xx is success (MOCO answers 200 to POST here, 201 elsewhere); the body must still be readable. */
function decode<T>(schema: z.ZodType<T>, answer: Answer): T {
  if (typeof answer.body === 'string') {
    throw protocolError(answer.label, answer.status, answer.body, 'a body that is not JSON');
  }
  const result = schema.safeParse(answer.body);
  if (!result.success) {
    throw protocolError(answer.label, answer.status, answer.body, describeIssue(result.error));
  }
  return result.data;
}

function headerValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value.join(', ');
  return undefined;
}

/**
 * Checked here rather than left to Node, whose invalid-header errors we would have to trust not to
 * quote the value. Throws before anything is sent.
 */
function authHeaders(label: string, { apiKey, impersonateUserId }: MocoCredentials): Record<string, string> {
  if (apiKeyProblem(apiKey) !== null) {
    throw new MocoError('unauthorized', `MOCO ${label}: the API key is empty or has characters not allowed`);
  }
  const headers: Record<string, string> = { Authorization: `Token token=${apiKey}` };
  if (impersonateUserId === undefined) return headers;
  if (!Number.isSafeInteger(impersonateUserId) || impersonateUserId <= 0) {
    throw new MocoError('invalid', `MOCO ${label}: impersonateUserId must be a positive integer`);
  }
  headers['X-IMPERSONATE-USER-ID'] = String(impersonateUserId);
  return headers;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
