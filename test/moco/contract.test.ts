import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MocoClient, type MocoUserClient } from '../../src/moco/client.js';
import { isMocoError, type MocoErrorCode } from '../../src/moco/errors.js';
import { nextPageUrl } from '../../src/moco/pagination.js';
import {
  DEMO_USERS,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from '../../src/moco/sim/index.js';
import { localToEpoch } from '../time/local-to-epoch.js';

/**
 * The contract: every recorded, documented or probed MOCO exchange in test/fixtures/moco/ (a copy of
 * shared/reference/moco/) is read by the client the way the daemon reads it, and every request of the
 * kind the daemon makes is answered by the simulator with the same status and the same fields of the
 * same types. A new file there is a new test here; a file the daemon has no use for must say why.
 */

interface Exchange {
  source: string;
  kind: string;
  date: string;
  request: { method: string; path: string; body: unknown; headers?: Record<string, string> };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

const DIR = resolve(import.meta.dirname, '../fixtures/moco');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const load = (file: string): Exchange => JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Exchange;

const TIME_ZONE = 'Europe/Berlin';
const ANNA = DEMO_USERS[0] as (typeof DEMO_USERS)[number];
const CLARA_STAFF = DEMO_USERS[2] as (typeof DEMO_USERS)[number];

/** Endpoints the daemon does not call (yet), with why; their error answers are still read below. */
const NOT_CALLED: Record<string, string> = {
  'GET /api/v1/account/custom_properties/{id}':
    "custom field definitions are not read: the right it takes is not recorded, so whether the badge field exists is told from the users' custom_properties",
  'GET /api/v1/comments': 'not a time-clock endpoint: kept for its Link header, checked below',
  'PATCH /api/v1/users/presences/{id}': 'the daemon updates with PUT, which every source documents',
  'POST /api/v1/users': 'not a time-clock endpoint: kept for its 422 body',
  'POST /api/v1/deal_categories': 'not a time-clock endpoint: kept for its 422 body',
  'POST /api/v1/users/employments': 'not a time-clock endpoint: kept for its text/plain 500 body',
  'GET /api/v1/activities/{id}': 'not a time-clock endpoint: kept for its empty 404 body',
};

const ERROR_CODES: Record<number, MocoErrorCode> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  422: 'invalid',
  423: 'locked',
  429: 'rate_limited',
  500: 'server',
};

/** `POST /api/v1/users/presences/123?x=1` -> `POST /api/v1/users/presences/{id}` */
function endpointOf(request: Exchange['request']): string {
  const path = request.path.split('?')[0] ?? '';
  return `${request.method} ${path.replace(/\/(\d+|\{[^}]*\})(?=\/|$)/g, '/{id}')}`;
}

function idIn(path: string): number {
  return Number(/\/(\d+)(?:\?|$)/.exec(path)?.[1] ?? 1);
}

/** The client call the daemon makes for this exchange's endpoint, or null when it makes none. */
function clientCall(exchange: Exchange, user: MocoUserClient): (() => Promise<unknown>) | null {
  const { request } = exchange;
  const body = (request.body ?? {}) as Record<string, string>;
  const query = new URLSearchParams(request.path.split('?')[1] ?? '');
  switch (endpointOf(request)) {
    case 'POST /api/v1/users/presences/touch':
      return () => user.touch();
    case 'POST /api/v1/users/presences':
      return () => user.createPresence(body);
    case 'GET /api/v1/users/presences':
      return () =>
        user.listPresences({ from: query.get('from') ?? '2026-10-06', to: query.get('to') ?? '2026-10-06' });
    case 'GET /api/v1/users/presences/{id}':
      return () => user.getPresence(idIn(request.path));
    case 'PUT /api/v1/users/presences/{id}':
      return () => user.updatePresence(idIn(request.path), body);
    case 'DELETE /api/v1/users/presences/{id}':
      return () => user.deletePresence(idIn(request.path));
    case 'GET /api/v1/session':
      return () => user.session();
    case 'GET /api/v1/profile':
      return () => user.profile();
    case 'GET /api/v1/users':
      return () => user.listUsers();
    case 'GET /api/v1/users/{id}':
      return () => user.getUser(idIn(request.path));
    default:
      return null;
  }
}

/** Serves one recorded answer to whatever is asked, and remembers what was asked. */
class Replay {
  private server: Server | null = null;
  private answer: Exchange['response'] | null = null;
  asked: { method: string; path: string }[] = [];
  baseUrl = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.asked.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '' });
      const answer = this.answer as Exchange['response'];
      const body = answer.body;
      const payload =
        body === null || body === '' ? '' : typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(answer.status, { ...answer.headers, 'Content-Length': Buffer.byteLength(payload) });
      res.end(payload);
    });
    await new Promise<void>((done) => this.server?.listen(0, '127.0.0.1', done));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v1`;
  }

  serve(answer: Exchange['response']): void {
    this.answer = answer;
    this.asked = [];
  }

  stop(): Promise<void> {
    return new Promise((done) => this.server?.close(() => done()));
  }
}

describe('contract: the client reads every answer MOCO was seen to give', () => {
  const replay = new Replay();
  let client: MocoClient;
  beforeAll(async () => {
    await replay.start();
    client = new MocoClient({ baseUrl: replay.baseUrl, timeoutMs: 2_000 });
  });
  afterAll(async () => {
    client.close();
    await replay.stop();
  });

  it.each(FILES)('%s', async (file) => {
    const exchange = load(file);
    expect(exchange.source, `${file} names its source`).toMatch(/\S/);
    const { status, body } = exchange.response;
    const user = client.forKey('contract-key-0123456789');
    const call = clientCall(exchange, user);
    replay.serve(exchange.response);

    if (status >= 400) {
      // Error bodies may be empty, JSON or text: only the status decides what the daemon does.
      const failure = await (call ?? (() => user.session()))().then(
        () => null,
        (error: unknown) => error,
      );
      expect(isMocoError(failure), `${file}: a MocoError`).toBe(true);
      expect((failure as { code: string }).code, file).toBe(ERROR_CODES[status]);
      return;
    }
    if (call === null) {
      expect(
        NOT_CALLED[endpointOf(exchange.request)],
        `${file}: why the daemon does not call it`,
      ).toBeDefined();
      return;
    }
    const result = await call().then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    expect(replay.asked, `${file}: the request the daemon sends`).toEqual([
      { method: exchange.request.method, path: exchange.request.path.split('?')[0]?.replace('{id}', '1') },
    ]);
    if (body === null) {
      // The source does not give the body: the 2xx alone must mean "applied", which the courier
      // takes from a 2xx answer it cannot read (a protocol error that carries the 2xx status).
      if (!result.ok) expect(result.error, file).toMatchObject({ code: 'protocol', status });
      return;
    }
    expect(result, `${file} decodes`).toMatchObject({ ok: true });
    checkDecoded(file, exchange, result.ok ? result.value : undefined);
  });

  it('follows a recorded Link header to its next page', () => {
    const { response, request } = load('pagination-link-page1.json');
    const next = nextPageUrl(response.headers.Link, `https://example.mocoapp.com${request.path}`);
    expect(next).toBe('https://example.mocoapp.com/api/v1/comments?page=2');
  });
});

/** What the daemon reads of a decoded answer is what the recording says. */
function checkDecoded(file: string, exchange: Exchange, value: unknown): void {
  const body = exchange.response.body as Record<string, unknown> | unknown[] | '';
  const endpoint = endpointOf(exchange.request);
  if (endpoint === 'DELETE /api/v1/users/presences/{id}') {
    expect(value, file).toBeUndefined();
  } else if (body === '') {
    // Before 2022 touch answered an empty 200: the courier then reads the day for the direction.
    expect(value, file).toBeNull();
  } else if (endpoint === 'GET /api/v1/profile') {
    const profile = body as Record<string, unknown>;
    expect(value, file).toMatchObject({
      id: profile.id,
      firstname: profile.first_name,
      lastname: profile.last_name,
    });
  } else if (Array.isArray(body)) {
    expect(value, file).toEqual(body);
  } else if (endpoint === 'GET /api/v1/users/{id}') {
    const { id, active, custom_properties } = body as Record<string, unknown>;
    expect(value, file).toMatchObject({ id, active, custom_properties });
  } else {
    const { id, date, from, to } = body as Record<string, unknown>;
    expect(value, file).toMatchObject(endpoint === 'GET /api/v1/session' ? { id } : { id, date, from, to });
  }
}

/**
 * The state a recorded request was made in, rebuilt in the simulator: presences that existed, the
 * minute it was sent at, the variant of MOCO that answered, and the key it was sent with.
 */
interface Scenario {
  /** Local `YYYY-MM-DD HH:MM` of MOCO's clock; default the exchange's date at 10:00. */
  at?: string;
  existing?: { date: string; from: string; to?: string | null; is_home_office?: boolean }[];
  sim?: Partial<SimulatorOptions>;
  key?: string;
  /** Fields today's MOCO sends that an older recording lacks. */
  newerFields?: string[];
  /** Fields of a documented example the simulator does not answer like it, each with its reason at the scenario. */
  notCompared?: string[];
  /** The id in the request's path, when it names a user rather than a presence made by `existing`. */
  pathId?: number;
}

const SCENARIOS: Record<string, Scenario | string> = {
  'touch-200-close.json': { at: '2022-04-17 09:29', existing: [{ date: '2022-04-17', from: '09:26' }] },
  'touch-200-open.json': { at: '2022-04-17 09:29' },
  'touch-200-empty-2021.json': { sim: { variants: { touchBody: 'empty' } } },
  'touch-override-documented.json': { sim: { variants: { override: 'honoured' } } },
  'touch-423-documented.json': {
    at: '2019-01-15 12:00',
    existing: [{ date: '2019-01-15', from: '08:00', to: '17:00' }],
  },
  'presence-create-200.json': {},
  'presence-create-home-office-200.json': {},
  'presence-create-impersonate-200.json': { key: CLARA_STAFF.apiKey },
  'presence-create-200-2020.json': { newerFields: ['is_home_office'] },
  'presence-create-open-probe.json': {},
  'presence-get-200.json': { existing: [{ date: '2012-02-22', from: '08:00', to: '09:30' }] },
  'presence-get-200-documented.json': {
    existing: [{ date: '2018-07-03', from: '07:30', to: '13:15', is_home_office: true }],
  },
  'presences-list-200.json': {},
  'presence-update-200.json': { existing: [{ date: '2012-02-22', from: '08:00', to: '09:00' }] },
  'presence-update-home-office-200.json': { existing: [{ date: '2019-04-01', from: '08:00', to: '09:00' }] },
  'presence-update-patch-probe.json': { existing: [{ date: '2026-10-06', from: '08:00', to: '12:00' }] },
  'presence-delete-204.json': {
    existing: [{ date: '2022-04-17', from: '08:00' }],
    sim: { variants: { deleteAnswer: 'empty' } },
  },
  'presence-delete-200-probe.json': { existing: [{ date: '2026-10-06', from: '08:00' }] },
  'session-200.json': {},
  'session-200-documented.json': {},
  'profile-200.json': {},
  'profile-200-openapi.json': {},
  'user-get-200.json': {
    key: CLARA_STAFF.apiKey,
    pathId: 933662735,
    sim: {
      users: [
        ...DEMO_USERS,
        {
          id: 933662735,
          firstname: '-',
          lastname: 'TestUser.test_get_create',
          email: 'uq9unckb1p@example.org',
          apiKey: 'contract-key-deactivated',
          active: false,
          extern: true,
          birthday: '2020-01-01',
        },
      ],
    },
  },
  'user-get-200-documented.json': {
    key: CLARA_STAFF.apiKey,
    pathId: 123,
    // iban and role are in the docs only; every recording has avatar_url null, the docs a URL.
    notCompared: ['iban', 'role', 'avatar_url'],
    sim: {
      users: [
        ...DEMO_USERS,
        {
          id: 123,
          firstname: 'Jane',
          lastname: 'Doe',
          email: 'jane@example.com',
          apiKey: 'contract-key-jane',
          birthday: '1970-01-01',
          tags: ['Deutschland'],
          customProperties: { 'Starting Month': 'January 2015' },
        },
      ],
    },
  },
  'user-get-403-probe.json': { key: ANNA.apiKey, pathId: ANNA.id },
  'users-list-200.json': { key: CLARA_STAFF.apiKey },
  'users-list-403-probe.json': { key: ANNA.apiKey },
  'error-401-documented.json': { key: 'a-key-moco-does-not-know' },
  'error-404-probe.json': {},
  'error-422-overlap-probe.json': {
    existing: [
      { date: '2026-10-06', from: '08:00', to: '13:00' },
      { date: '2026-10-06', from: '14:00', to: '17:07' },
    ],
  },
  'error-422-second-open-probe.json': { existing: [{ date: '2026-10-06', from: '18:00' }] },
  'error-422-openapi-documented.json': 'a generic OpenAPI example without a request to replay',
  'error-429-documented.json': { sim: { enforceRateLimit: { requests: 1, windowMs: 120_000 } } },
  'error-500-malformed-time-probe.json': {},
};

const NOT_IN_SIMULATOR = (file: string, exchange: Exchange): string | undefined => {
  const scenario = SCENARIOS[file];
  if (typeof scenario === 'string') return scenario;
  if (scenario === undefined) return NOT_CALLED[endpointOf(exchange.request)];
  return undefined;
};

describe('contract: the simulator answers each request the daemon makes as MOCO did', () => {
  it.each(FILES)('%s', async (file) => {
    const exchange = load(file);
    const skipped = NOT_IN_SIMULATOR(file, exchange);
    if (skipped !== undefined) {
      expect(skipped, `${file}: a scenario, or why the simulator need not answer it`).toMatch(/\S/);
      return;
    }
    const scenario = SCENARIOS[file] as Scenario;
    const [date, time] = (scenario.at ?? `${exchange.date} 10:00`).split(' ') as [string, string];
    const clock = { now: () => localToEpoch(date, time, TIME_ZONE) };
    const sim = await startSimulator({ timeZone: TIME_ZONE, clock, ...scenario.sim });
    try {
      const answer = await replayOn(sim, exchange, scenario);
      checkSimAnswer(file, exchange, answer, scenario);
    } finally {
      await sim.close();
    }
  });

  it('pages like the one recorded Link header: rel="last" and rel="next" on page 1 of several', async () => {
    const clock = { now: () => localToEpoch('2026-03-02', '10:00', TIME_ZONE) };
    const sim = await startSimulator({ timeZone: TIME_ZONE, clock });
    try {
      for (let day = 1; day <= 3; day++) {
        await send(sim, ANNA.apiKey, 'POST', '/users/presences', { date: `2026-01-0${day}`, from: '08:00' });
      }
      const page = await send(
        sim,
        ANNA.apiKey,
        'GET',
        '/users/presences?from=2026-01-01&to=2026-01-31&per_page=2',
      );
      const recorded = load('pagination-link-page1.json').response.headers;
      expect(page.headers.get('link')).toMatch(/rel="last".*rel="next"/);
      expect(Object.keys(recorded).filter((h) => h.startsWith('X-'))).toEqual([
        'X-Page',
        'X-Per-Page',
        'X-Total',
      ]);
      expect([
        page.headers.get('x-page'),
        page.headers.get('x-per-page'),
        page.headers.get('x-total'),
      ]).toEqual(['1', '2', '3']);
    } finally {
      await sim.close();
    }
  });
});

interface SimAnswer {
  status: number;
  headers: Headers;
  text: string;
}

async function send(
  sim: Simulator,
  key: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<SimAnswer> {
  const response = await fetch(`${sim.baseUrl}${path}`, {
    method,
    headers: {
      Authorization: `Token token=${key}`,
      ...(body === undefined || body === null ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    body: body === undefined || body === null ? undefined : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

async function replayOn(sim: Simulator, exchange: Exchange, scenario: Scenario): Promise<SimAnswer> {
  const key = scenario.key ?? ANNA.apiKey;
  let lastId = 0;
  for (const presence of scenario.existing ?? []) {
    const created = await send(sim, ANNA.apiKey, 'POST', '/users/presences', presence);
    lastId = (JSON.parse(created.text) as { id: number }).id;
  }
  if (scenario.sim?.enforceRateLimit) await send(sim, key, 'GET', '/session');
  const headers: Record<string, string> = {};
  if (exchange.request.headers?.['X-IMPERSONATE-USER-ID'] !== undefined) {
    headers['X-IMPERSONATE-USER-ID'] = String(ANNA.id);
  }
  const path = exchange.request.path
    .replace(/^\/api\/v1/, '')
    .replace(/\/(\d+|\{[a-z_]+\})(?=\?|$)/, `/${scenario.pathId ?? lastId}`);
  return send(sim, key, exchange.request.method, path, exchange.request.body, headers);
}

function checkSimAnswer(file: string, exchange: Exchange, answer: SimAnswer, scenario: Scenario): void {
  const recorded = exchange.response;
  expect(answer.status, `${file}: status`).toBe(recorded.status);
  const contentType = answer.headers.get('content-type') ?? '';
  for (const header of ['X-Page', 'X-Per-Page', 'X-Total']) {
    if (header in recorded.headers) expect(answer.headers.get(header), `${file}: ${header}`).not.toBeNull();
  }
  if (recorded.body === null) return;
  if (recorded.body === '') {
    expect(answer.text, `${file}: an empty body`).toBe('');
    return;
  }
  if (typeof recorded.body === 'string') {
    expect(contentType, `${file}: a text body`).toMatch(/^text\/plain/);
    return;
  }
  expect(contentType, `${file}: a JSON body`).toMatch(/^application\/json/);
  const body = JSON.parse(answer.text) as Record<string, unknown>;
  for (const field of scenario.newerFields ?? []) delete body[field];
  const expected = structuredClone(recorded.body) as Record<string, unknown>;
  for (const field of scenario.notCompared ?? []) {
    delete body[field];
    delete expected[field];
  }
  expect(shapeOf(body), `${file}: the same fields with the same types`).toEqual(shapeOf(expected));
}

/** A value's fields and their JSON types, recursively: what a client can rely on, without the values. */
function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, field]) => [key, shapeOf(field)]),
    );
  }
  return typeof value;
}
