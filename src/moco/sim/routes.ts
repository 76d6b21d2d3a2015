import { isValidLocalDate, type LocalParts, parseOverride } from '../../time/local.js';
import type { PresenceResult, SimState } from './state.js';
import type { SimPresence, SimUser, SimVariants } from './types.js';
import { isRecord } from './validate.js';

/** An answer before it is written; no `body` means an empty body. */
export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteContext {
  state: SimState;
  /** The simulator's local "now" in MOCO's time zone. */
  localNow(): LocalParts;
  variants: SimVariants;
  /** `http://host:port`, for pagination links. */
  origin: string;
}

export interface RouteRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

type Handler = (ctx: RouteContext, req: RouteRequest, user: SimUser, id: number) => SimResponse;

const PRESENCES = '/api/v1/users/presences';
const MAX_PER_PAGE = 100;

const notFound: SimResponse = { status: 404 };

/** The one 500 ever recorded (error-500-text-plain.json) is Rails' plain-text page. */
export const SERVER_ERROR: SimResponse = {
  status: 500,
  body: "500 Internal Server Error\nIf you are the administrator of this website, then please read this web application's log file and/or the web server's log file to find out what went wrong.",
  headers: { 'Content-Type': 'text/plain' },
};

const fixedRoutes: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['GET /api/v1/session', (_ctx, _req, user) => ({ status: 200, body: { id: user.id, uuid: user.uuid } })],
  ['GET /api/v1/profile', (_ctx, _req, user) => ({ status: 200, body: profileOf(user) })],
  [`GET ${PRESENCES}`, listPresences],
  [`POST ${PRESENCES}`, (ctx, req, user) => answer(ctx.state.create(user.id, req.body))],
  [`POST ${PRESENCES}/touch`, touch],
]);

const idRoutes: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  [
    'GET',
    (ctx, _req, user, id) => {
      const presence = ctx.state.get(user.id, id);
      return presence === undefined ? notFound : { status: 200, body: presence };
    },
  ],
  ['PUT', (ctx, req, user, id) => answer(ctx.state.update(user.id, id, req.body))],
  // The OpenAPI beta and the 2026 probe: PATCH is a partial update, like PUT here.
  ['PATCH', (ctx, req, user, id) => answer(ctx.state.update(user.id, id, req.body))],
  ['DELETE', deletePresence],
]);

/** 204 with no body in every recording up to 2022; 200 with the deleted presence in the OpenAPI and the 2026 probe. */
function deletePresence(ctx: RouteContext, _req: RouteRequest, user: SimUser, id: number): SimResponse {
  const deleted = ctx.state.remove(user.id, id);
  if (deleted === undefined) return notFound;
  return ctx.variants.deleteAnswer === 'empty' ? { status: 204 } : { status: 200, body: deleted };
}

/** The handler for a method and path, or undefined for a route MOCO does not have. */
export function matchRoute(method: string, path: string): { handler: Handler; id: number } | undefined {
  const handler = fixedRoutes.get(`${method} ${path}`);
  if (handler !== undefined) return { handler, id: 0 };
  const match = /^\/api\/v1\/users\/presences\/(\d{1,15})$/.exec(path);
  const idHandler = match === null ? undefined : idRoutes.get(method);
  return idHandler === undefined ? undefined : { handler: idHandler, id: Number(match?.[1]) };
}

/** As MOCO's docs and OpenAPI show it (profile-200.json): `first_name`, not `firstname` as users have it. */
function profileOf(user: SimUser): Record<string, unknown> {
  return {
    id: user.id,
    email: user.email ?? null,
    full_name: `${user.firstname} ${user.lastname}`,
    first_name: user.firstname,
    last_name: user.lastname,
    active: true,
    external: false,
    avatar_url: `https://example.mocoapp.com/objects/avatar-${user.id}.jpg`,
    unit: { id: 1, name: 'Office' },
    created_at: SIM_EPOCH,
    updated_at: SIM_EPOCH,
  };
}

const SIM_EPOCH = '2024-01-01T08:00:00Z';

function answer(result: PresenceResult): SimResponse {
  if (result.ok) return { status: 200, body: result.presence };
  if (result.status === 500) return SERVER_ERROR;
  return result.status === 422 ? { status: 422, body: result.errors } : { status: result.status };
}

/**
 * With `override: 'honoured'`, a body string `"YYYY-MM-DD HH:MM"` names the minute (the docs since
 * 2022-07-18); with `'ignored'`, touch acts on "now" whatever it is sent (the 2026-10 live probe).
 */
function touch(ctx: RouteContext, req: RouteRequest, user: SimUser): SimResponse {
  const body = isRecord(req.body) ? req.body : {};
  let at = ctx.localNow();
  if (ctx.variants.override === 'honoured' && body.override !== undefined && body.override !== null) {
    const parsed = typeof body.override === 'string' ? parseOverride(body.override) : null;
    if (parsed === null) return { status: 422, body: { override: ['is invalid'] } };
    at = parsed;
  }
  const homeOffice = body.is_home_office ?? undefined;
  if (homeOffice !== undefined && typeof homeOffice !== 'boolean') {
    return { status: 422, body: { is_home_office: ['is invalid'] } };
  }
  const result = ctx.state.touch(user.id, at, homeOffice);
  if (result.ok && ctx.variants.touchBody === 'empty') return { status: 200 };
  return answer(result);
}

function positiveInt(raw: string | null, fallback: number): number {
  const value = raw === null || !/^\d+$/.test(raw) ? Number.NaN : Number(raw);
  return Number.isSafeInteger(value) && value >= 1 ? value : fallback;
}

function listPresences(ctx: RouteContext, req: RouteRequest, user: SimUser): SimResponse {
  const from = req.query.get('from');
  const to = req.query.get('to');
  if ((from === null) !== (to === null)) {
    return { status: 422, body: { message: 'from and to have to be provided together' } };
  }
  if (from !== null && !isValidLocalDate(from)) return { status: 422, body: { from: ['is invalid'] } };
  if (to !== null && !isValidLocalDate(to)) return { status: 422, body: { to: ['is invalid'] } };
  const userId = req.query.get('user_id');
  const homeOffice = req.query.get('is_home_office');
  const matches = (p: SimPresence): boolean =>
    (from === null || (p.date >= from && p.date <= (to ?? ''))) &&
    (userId === null || userId === String(p.user.id)) &&
    (homeOffice === null || String(p.is_home_office) === homeOffice);
  const all = ctx.state.list(user.id).filter(matches);

  const perPage = Math.min(positiveInt(req.query.get('per_page'), MAX_PER_PAGE), MAX_PER_PAGE);
  const page = positiveInt(req.query.get('page'), 1);
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const headers: Record<string, string> = {
    'X-Page': String(page),
    'X-Per-Page': String(perPage),
    'X-Total': String(all.length),
  };
  const link = paginationLinks(ctx.origin, req, page, lastPage);
  if (link !== '') headers.Link = link;
  return { status: 200, body: all.slice((page - 1) * perPage, page * perPage), headers };
}

/** RFC 8288 links as the api-pagination gem behind MOCO writes them: first/prev, then last/next. */
function paginationLinks(origin: string, req: RouteRequest, page: number, lastPage: number): string {
  const linkTo = (target: number, rel: string): string => {
    const query = new URLSearchParams(req.query);
    query.set('page', String(target));
    return `<${origin}${req.path}?${query.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(linkTo(1, 'first'), linkTo(Math.min(page - 1, lastPage), 'prev'));
  if (page < lastPage) links.push(linkTo(lastPage, 'last'), linkTo(page + 1, 'next'));
  return links.join(', ');
}
