import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../time/clock.js';
import { isValidTimeZone, localParts } from '../../time/local.js';
import { systemTimers, type Timers } from '../../time/timers.js';
import { identify } from './auth.js';
import { FaultState, SlidingWindowLimiter } from './faults.js';
import { matchRoute, type RouteContext, SERVER_ERROR, type SimResponse } from './routes.js';
import { SimState } from './state.js';
import { DEFAULT_VARIANTS, type SimRequest, type Simulator, type SimulatorOptions } from './types.js';
import { DEMO_USERS } from './users.js';

const MAX_BODY_BYTES = 1024 * 1024;

type ReadBody = { ok: true; body: unknown } | { ok: false; status: 400 | 413 };

async function readBody(req: IncomingMessage): Promise<ReadBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return { ok: false, status: 413 };
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { ok: true, body: undefined };
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch {
    return { ok: false, status: 400 };
  }
}

function sleep(timers: Timers, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = timers.setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      timers.clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

function write(res: ServerResponse, response: SimResponse, now: number): void {
  // MOCO's clock is the simulator's (with its offset), not the machine's that Node would send.
  const headers: Record<string, string | number> = { Date: new Date(now).toUTCString(), ...response.headers };
  let payload = '';
  if (typeof response.body === 'string') {
    payload = response.body;
    headers['Content-Type'] ??= 'text/plain';
  } else if (response.body !== undefined) {
    payload = JSON.stringify(response.body);
    headers['Content-Type'] = 'application/json; charset=utf-8';
  }
  headers['Content-Length'] = Buffer.byteLength(payload);
  res.writeHead(response.status, headers);
  res.end(payload);
}

function listen(server: Server | HttpsServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function stopListening(server: Server | HttpsServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    // close() alone drops only idle connections; a request in flight (held by delayMs) would still be answered.
    server.closeAllConnections();
  });
}

/** Starts an in-process MOCO presences API on loopback. */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  if (!isValidTimeZone(options.timeZone)) throw new RangeError(`unknown time zone "${options.timeZone}"`);
  const { timeZone, logger } = options;
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers;
  const host = options.host ?? '127.0.0.1';
  let offsetMs = options.offsetMs ?? 0;
  const now = (): number => clock.now() + offsetMs;
  const state = new SimState(now, options.userFields);
  for (const user of options.users ?? DEMO_USERS) state.addUser(user);
  const limiter = options.enforceRateLimit ? new SlidingWindowLimiter(options.enforceRateLimit, now) : null;
  const received: SimRequest[] = [];
  const closing = new AbortController();
  let offline = false;
  let closed = false;
  let working = 0;
  const waiting = new Set<IncomingMessage>();

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    working += 1;
    handle(req, res)
      .catch((error: unknown) => {
        logger?.error({ err: error }, 'simulator request failed');
        if (!res.headersSent && !res.destroyed) write(res, { status: 500 }, now());
      })
      .finally(() => {
        working -= 1;
      });
  };
  const server =
    options.tls === undefined ? createServer(onRequest) : createHttpsServer(options.tls, onRequest);
  if (options.keepAliveSeconds !== undefined) server.keepAliveTimeout = options.keepAliveSeconds * 1000;
  const port = await listen(server, options.port ?? 0, host);
  const scheme = options.tls === undefined ? 'http' : 'https';
  const origin = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const context: RouteContext = {
    state,
    localNow: () => localParts(now(), timeZone),
    variants: {
      ...DEFAULT_VARIANTS,
      ...(options.legacyEmptyTouchBody === true ? { touchBody: 'empty' as const } : {}),
      ...options.variants,
    },
    origin,
  };

  const faults = new FaultState(async (goOffline) => {
    // Coming back online after close() would resurrect a server its owner has let go of.
    if (goOffline === offline || closed) return;
    offline = goOffline;
    if (goOffline) await stopListening(server);
    else await listen(server, port, host);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', origin);
    const read = await readBody(req);
    const identity = identify(req.headers, state);
    const impersonate = req.headers['x-impersonate-user-id'];
    const entry: SimRequest = {
      method,
      path: url.pathname,
      query: url.search.slice(1),
      body: read.ok ? read.body : undefined,
      ...(identity.ok ? { userId: identity.user.id } : {}),
      ...(typeof impersonate === 'string' ? { impersonate } : {}),
    };
    received.push(entry);
    if (faults.delays(method, url.pathname)) {
      working -= 1;
      waiting.add(req);
      await sleep(timers, faults.delayMs, closing.signal);
      waiting.delete(req);
      working += 1;
    }
    // Went offline or closed while waiting: the server is gone, nothing is applied. A client that
    // gave up waiting (a timeout) does not stop it: MOCO applies what it received, answer or not.
    if (offline || closed) return;

    const response = decide();
    entry.status = response.status;
    if (response.applied === true && faults.takeLoss(method, url.pathname)) {
      req.socket.destroy();
      logger?.info(
        { method, path: url.pathname, userId: entry.userId, lost: true },
        'request (answer dropped)',
      );
      return;
    }
    if (res.destroyed) {
      logger?.info(
        { method, path: url.pathname, status: response.status, late: true },
        'request (client gone)',
      );
      return;
    }
    write(res, response, now());
    logger?.info(
      { method, path: url.pathname, status: response.status, userId: entry.userId, ms: Date.now() - started },
      'request',
    );

    function decide(): SimResponse & { applied?: boolean } {
      if (faults.serverError !== null) return { ...SERVER_ERROR, status: faults.serverError };
      if (faults.rateLimited !== null) return tooManyRequests(faults.rateLimited.retryAfterSeconds);
      const retryAfter = limiter?.take() ?? null;
      if (retryAfter !== null) return tooManyRequests(retryAfter);
      if (!read.ok) {
        return {
          status: read.status,
          body: { message: read.status === 400 ? 'Bad Request' : 'Payload Too Large' },
        };
      }
      const route = matchRoute(method, url.pathname);
      if (route === undefined) return { status: 404 };
      if (!identity.ok) {
        return identity.status === 401
          ? { status: 401, body: { message: 'Unauthorized' } }
          : { status: identity.status };
      }
      const routeRequest = { method, path: url.pathname, query: url.searchParams, body: read.body };
      return { ...route.handler(context, routeRequest, identity.user, route.id), applied: true };
    }
  }

  return {
    url: origin,
    baseUrl: `${origin}/api/v1`,
    port,
    faults,
    setOffsetMs(ms: number): void {
      offsetMs = ms;
    },
    addUser: (user) => state.addUser(user),
    updateUser: (id, change) => state.updateUser(id, change),
    presences: (userId) => state.list(userId),
    requests: () => received.map((r) => ({ ...r })),
    activity: () => ({
      working,
      waiting: [...waiting].filter((req) => !req.socket.destroyed).length,
    }),
    async close(): Promise<void> {
      closed = true;
      closing.abort();
      await stopListening(server);
    },
  };
}

function tooManyRequests(retryAfterSeconds: number | undefined): SimResponse {
  return {
    status: 429,
    body: { message: 'Too many requests' },
    ...(retryAfterSeconds === undefined ? {} : { headers: { 'Retry-After': String(retryAfterSeconds) } }),
  };
}
