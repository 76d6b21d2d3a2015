import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { parseConfig } from '../../src/config/index.js';
import { DEMO_USERS, type Simulator, startSimulator } from '../../src/moco/sim/index.js';
import type { NewTap, Tap } from '../../src/store/journal.js';
import type { Stores } from '../../src/store/open.js';
import { writeDaemonStatus } from '../../src/store/status.js';
import { localParts } from '../../src/time/local.js';
import { systemTimers } from '../../src/time/timers.js';
import { composeWeb } from '../../src/web/app.js';
import type { WebMoco } from '../../src/web/moco.js';
import { hashPassword, type PasswordStore } from '../../src/web/password.js';
import { LogCapture } from '../fakes/logger.js';

export const PASSWORD = 'correct horse battery';
/** Clara's: the simulator's user with the Staff permission. */
export const STAFF_KEY = (DEMO_USERS.find((u) => u.staff === true) as (typeof DEMO_USERS)[number]).apiKey;
export const TIME_ZONE = 'Europe/Berlin';
/** 2026-11-18 09:30 in Berlin. */
export const START = Date.parse('2026-11-18T08:30:00Z');
// Hashed once: scrypt is slow on purpose, and every test logs in.
const HASH = hashPassword(PASSWORD);

export interface FakeClock {
  now(): number;
  advance(ms: number): void;
}

export function fakeClock(start = START): FakeClock {
  let now = start;
  return { now: () => now, advance: (ms) => (now += ms) };
}

export interface WebFixture {
  app: FastifyInstance;
  stores: Stores;
  sim: Simulator;
  clock: FakeClock;
  log: LogCapture;
  moco: WebMoco;
  passwords: PasswordStore;
  /** A browser of its own: a cookie jar. */
  agent(): Agent;
  /** Writes the daemon's heartbeat as a running daemon would. */
  daemonRunning(fields?: Partial<Parameters<typeof writeDaemonStatus>[1]>): void;
  /** A tap as the daemon journals it, pending, at the clock's minute unless told otherwise. */
  journalTap(uid: string, fields?: Partial<NewTap>): Tap;
  close(): Promise<void>;
}

export interface FixtureOptions {
  mocoRequests?: number;
  /** One Staff key (Clara's, the simulator's staff user) acting for everyone; and where the badges are kept. */
  staffKey?: { badges: 'local' | 'moco' };
  /** MOCO's clock, ahead of the kiosk's by this much. */
  simOffsetMs?: number;
  /** Default info. */
  logLevel?: string;
}

export async function webFixture(options: FixtureOptions = {}): Promise<WebFixture> {
  const clock = fakeClock();
  const sim = await startSimulator({
    port: 0,
    timeZone: TIME_ZONE,
    clock,
    offsetMs: options.simOffsetMs ?? 0,
  });
  const dir = mkdtempSync(join(tmpdir(), 'moco-web-'));
  const config = {
    ...parseConfig(
      [
        `moco: { baseUrl: "${sim.baseUrl}", timeoutMs: 1000, rateLimit: { requests: 120, perSeconds: 120 }${options.staffKey === undefined ? '' : ', identity: impersonation'} }`,
        `timezone: ${TIME_ZONE}`,
        `dataDir: "${join(dir, 'data')}"`,
        `web: { enabled: true, mocoRequests: ${options.mocoRequests ?? 20} }`,
        ...(options.staffKey === undefined ? [] : [`badges: { source: ${options.staffKey.badges} }`]),
      ].join('\n'),
    ),
    configPath: join(dir, 'config.yaml'),
  };
  if (options.staffKey !== undefined) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'staff.key'), `${STAFF_KEY}\n`, { mode: 0o600 });
  }
  const log = new LogCapture(options.logLevel ?? 'info');
  const parts = await composeWeb({
    config,
    env: {},
    logger: log.logger,
    clock,
    timers: systemTimers,
  });
  parts.passwords.set(await HASH);
  const { stores } = parts;
  return {
    app: parts.server,
    stores,
    sim,
    clock,
    log,
    moco: parts.moco,
    passwords: parts.passwords,
    agent: () => new Agent(parts.server),
    daemonRunning(fields = {}) {
      writeDaemonStatus(stores.db, {
        pid: process.pid,
        version: 'test',
        startedAt: clock.now() - 60_000,
        heartbeatAt: clock.now(),
        connectivity: 'online',
        connectivitySince: clock.now() - 60_000,
        reader: 'connected',
        clockSynchronized: true,
        lastScan: null,
        ...fields,
      });
    },
    journalTap(uid, fields = {}) {
      const atMs = fields.atMs ?? clock.now();
      const { date, time } = localParts(atMs, TIME_ZONE);
      return stores.journal.append({
        uid,
        userId: null,
        userName: null,
        localDate: date,
        localTime: time,
        clockSynced: true,
        monoNs: null,
        bootId: null,
        ...fields,
        atMs,
      });
    },
    async close() {
      await parts.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a browser does with cookies and forms, over `inject`. */
export class Agent {
  readonly cookies = new Map<string, string>();

  constructor(private readonly app: FastifyInstance) {}

  async get(url: string): Promise<LightMyRequestResponse> {
    return this.keep(
      await this.app.inject({ method: 'GET', url, cookies: Object.fromEntries(this.cookies) }),
    );
  }

  /** Posts a form as the page would; `_csrf` is left out only when the test says so. */
  async post(url: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        cookies: Object.fromEntries(this.cookies),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(fields).toString(),
      }),
    );
  }

  /** A token from a page this agent loaded, as the form on it carries. */
  async csrf(from = '/login'): Promise<string> {
    return csrfOf((await this.get(from)).body);
  }

  /** Posts a form with the token of the page it is on. */
  async submit(
    page: string,
    url: string,
    fields: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    return this.post(url, { _csrf: await this.csrf(page), ...fields });
  }

  async login(password = PASSWORD): Promise<LightMyRequestResponse> {
    return this.submit('/login', '/login', { password });
  }

  private keep(response: LightMyRequestResponse): LightMyRequestResponse {
    for (const cookie of response.cookies as {
      name: string;
      value: string;
      maxAge?: number;
      expires?: Date;
    }[]) {
      const gone =
        cookie.value === '' || (cookie.expires !== undefined && cookie.expires.getTime() < Date.now());
      if (gone) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }
}

export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (match === null) throw new Error(`no CSRF token in:\n${html.slice(0, 500)}`);
  return match[1] as string;
}

/** The text of a page without tags, spaces collapsed: what a person reads. */
export function textOf(html: string): string {
  return (
    html
      .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/g, ' ')
      // Inline elements run on with the text around them; every other tag breaks it.
      .replace(/<\/?(?:b|code|span|a|em|strong)(?:\s[^>]*)?>/g, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/\s+/g, ' ')
      .trim()
  );
}
