import { isValidLocalDate, type LocalParts, parseOverride } from '../../time/local.js';
import { pageOf } from './paging.js';
import type { PresenceResult, SimState } from './state.js';
import type { SimPresence, SimUser, SimVariants } from './types.js';
import { USER_ID_PATH, userRoutes } from './user-routes.js';
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

export type Handler = (ctx: RouteContext, req: RouteRequest, user: SimUser, id: number) => SimResponse;

const PRESENCES = '/api/v1/users/presences';

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
  ...userRoutes.fixed,
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
  if (idHandler !== undefined) return { handler: idHandler, id: Number(match?.[1]) };
  const user = USER_ID_PATH.exec(path);
  const userHandler = user === null ? undefined : userRoutes.byId.get(method);
  return userHandler === undefined ? undefined : { handler: userHandler, id: Number(user?.[1]) };
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
  const page = pageOf(ctx.state.list(user.id).filter(matches), ctx.origin, req.path, req.query);
  return { status: 200, body: page.items, headers: page.headers };
}
