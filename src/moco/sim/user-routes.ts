import { pageOf } from './paging.js';
import type { Handler, RouteContext, RouteRequest, SimResponse } from './routes.js';
import type { StoredUser } from './state.js';
import type { SimUser } from './types.js';
import { isRecord } from './validate.js';

/**
 * `GET /users`, `GET /users/{id}` and `PUT /users/{id}`, as recorded with a key that could manage
 * users (users-list-200.json, user-get-200.json) and as a normal key got them in the 2026 probe: 403
 * with an empty body (users-list-403-probe.json, user-get-403-probe.json), even for its own id.
 */

export const USER_ID_PATH = /^\/api\/v1\/users\/(\d{1,15})$/;

/** What the probe saw: no message, no JSON. */
const FORBIDDEN: SimResponse = { status: 403 };
const NOT_FOUND: SimResponse = { status: 404 };

function readsUsers(user: SimUser): boolean {
  return user.staff === true;
}

function editsUsers(user: SimUser): boolean {
  return user.editsUsers ?? user.staff === true;
}

/**
 * The fields and types of the 2022 recordings. `iban` and `role` appear only in the docs' example and
 * are not sent; `avatar_url` is null as in every recording.
 */
export function userView(user: StoredUser): Record<string, unknown> {
  return {
    id: user.id,
    firstname: user.firstname,
    lastname: user.lastname,
    active: user.active,
    extern: user.extern ?? false,
    email: user.email ?? null,
    mobile_phone: '',
    work_phone: '',
    home_address: '',
    info: '',
    birthday: user.birthday ?? null,
    avatar_url: null,
    tags: user.tags ?? [],
    custom_properties: { ...user.customProperties },
    unit: { id: 1, name: 'Office' },
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}

/**
 * Active users only: the 2022 list (users-list-200.json) leaves out a deactivated user created half a
 * minute before it (user-get-200.json). `updated_after` keeps users whose `updated_at` is later than
 * the given time; what MOCO compares exactly is not recorded, this is the simulator's reading.
 */
function listUsers(ctx: RouteContext, req: RouteRequest, user: SimUser): SimResponse {
  if (!readsUsers(user)) return FORBIDDEN;
  const after = req.query.get('updated_after');
  const afterMs = after === null ? null : Date.parse(after);
  if (afterMs !== null && Number.isNaN(afterMs))
    return { status: 422, body: { updated_after: ['is invalid'] } };
  const users = ctx.state
    .allUsers()
    .filter((u) => u.active && (afterMs === null || Date.parse(u.updatedAt) > afterMs));
  const page = pageOf(users.map(userView), ctx.origin, req.path, req.query);
  return { status: 200, body: page.items, headers: page.headers };
}

function getUser(ctx: RouteContext, _req: RouteRequest, user: SimUser, id: number): SimResponse {
  if (!readsUsers(user)) return FORBIDDEN;
  const target = ctx.state.userById(id);
  return target === undefined ? NOT_FOUND : { status: 200, body: userView(target) };
}

/**
 * Only `custom_properties` is applied (the daemon sends nothing else). What MOCO answers is not in the
 * reference; the simulator answers the user, and the daemon reads the user again rather than rely on it.
 */
function updateUser(ctx: RouteContext, req: RouteRequest, user: SimUser, id: number): SimResponse {
  if (!editsUsers(user)) return FORBIDDEN;
  if (ctx.state.userById(id) === undefined) return NOT_FOUND;
  const properties = isRecord(req.body) ? (req.body.custom_properties ?? {}) : {};
  if (!isRecord(properties)) return { status: 422, body: { custom_properties: ['is invalid'] } };
  ctx.state.writeCustomProperties(id, properties);
  return { status: 200, body: userView(ctx.state.userById(id) as StoredUser) };
}

export const userRoutes: { fixed: [string, Handler][]; byId: ReadonlyMap<string, Handler> } = {
  fixed: [['GET /api/v1/users', listUsers]],
  byId: new Map<string, Handler>([
    ['GET', getUser],
    ['PUT', updateUser],
  ]),
};
