import { randomBytes } from 'node:crypto';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Config } from '../config/index.js';
import type { MocoEnrolment } from '../directory/enrol.js';
import { KEY_UNREADABLE } from '../failures/explain.js';
import type { Logger } from '../log.js';
import type { StatusReport } from '../status/report.js';
import type { BadgeStore } from '../store/badges.js';
import type { Database } from '../store/database.js';
import type { Journal } from '../store/journal.js';
import type { MocoBadges } from '../store/moco-badges.js';
import { KeyCipherError } from '../store/secrets.js';
import type { UnknownScans } from '../store/unknown-scans.js';
import type { Clock } from '../time/clock.js';
import { APP_JS, STYLE_CSS } from './assets.js';
import type { IdentityMode } from './enrol.js';
import type { MocoClockWatch } from './moco.js';
import { type PasswordStore, passwordFingerprint } from './password.js';
import { sendPage } from './respond.js';
import { authRoutes } from './routes/auth.js';
import { badgeRoutes } from './routes/badges.js';
import { statusRoutes } from './routes/status.js';
import { todayRoutes } from './routes/today.js';
import type { Session, SessionStore } from './sessions.js';
import type { TodayService } from './today.js';
import { errorPage } from './views/errors.js';

export interface WebDeps {
  config: Pick<Config, 'timezone' | 'web'>;
  db: Database;
  badges: BadgeStore;
  unknownScans: UnknownScans;
  journal: Journal;
  passwords: PasswordStore;
  sessions: SessionStore;
  today: TodayService;
  identity: IdentityMode;
  /**
   * Badges kept in MOCO (`badges.source: moco`): the kiosk's copy to list, and enrolment by writing
   * the UID into the user's field. Null for badges on this kiosk.
   */
  inMoco: {
    field: string;
    cache: MocoBadges;
    enrol(uid: string, who: string): Promise<MocoEnrolment>;
  } | null;
  mocoClock: MocoClockWatch;
  /** Asks MOCO for its clock when nothing told it lately; never waits for the answer. */
  probeMocoClock(): void;
  /** The MOCO API the kiosk uses, for explanations. */
  baseUrl: string;
  /** What `moco-timeclock status` would say now. */
  daemonStatus(): StatusReport;
  clock: Clock;
  logger: Logger;
}

export const SESSION_COOKIE = 'mtc_session';

declare module 'fastify' {
  interface FastifyRequest {
    adminSession: Session | null;
  }
  interface FastifyContextConfig {
    /** Reachable without logging in: the login page itself and the assets. */
    public?: boolean;
  }
}

/** Logins tried per client address and minute: enough for typos, far too few for guessing. */
export const LOGIN_ATTEMPTS_PER_MINUTE = 5;

/**
 * The admin page: fastify with its maintained plugins for cookies, forms, CSRF tokens, security
 * headers and the login rate limit. Every page is rendered on the server and works without
 * JavaScript; every change is a POST with a CSRF token, answered by a redirect (303) to a page.
 */
export async function buildWebServer(deps: WebDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One line per admin action (logins, drops, enrolments) instead of two per request.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: deps.config.web.trustProxy,
    bodyLimit: 16 * 1024,
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    // Over plain HTTP on 127.0.0.1 (an SSH tunnel) HSTS would be meaningless; behind a TLS proxy
    // the proxy is the one to send it.
    strictTransportSecurity: false,
  });
  // The signing secret lives as long as the process, like the sessions it protects.
  await app.register(cookie, { secret: randomBytes(32).toString('base64') });
  await app.register(formbody);
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', path: '/' },
  });
  await app.register(rateLimit, { global: false });

  app.decorateRequest('adminSession', null);
  app.addHook('onRequest', async (request) => {
    request.adminSession = sessionOf(request, deps);
  });
  app.addHook('preHandler', async (request, reply) => {
    if (request.method === 'POST') {
      await new Promise<void>((resolve, reject) =>
        app.csrfProtection(request, reply, (error?: Error) => (error ? reject(error) : resolve())),
      );
    }
    if (request.routeOptions.config.public !== true && request.adminSession === null) {
      return reply.redirect('/login', 303);
    }
  });
  app.setErrorHandler((error, request, reply) => handleError(error, request, reply, deps));
  app.setNotFoundHandler((request, reply) =>
    sendPage(reply.code(404), errorPage('Not found', 'There is no such page.', reply, request)),
  );

  app.get('/assets/style.css', { config: { public: true } }, (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('Cache-Control', 'max-age=3600').send(STYLE_CSS),
  );
  app.get('/assets/app.js', { config: { public: true } }, (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('Cache-Control', 'max-age=3600').send(APP_JS),
  );
  app.get('/', (_request, reply) => reply.redirect('/status', 303));

  await app.register(authRoutes(deps));
  await app.register(statusRoutes(deps));
  await app.register(badgeRoutes(deps));
  await app.register(todayRoutes(deps));
  return app;
}

function sessionOf(request: FastifyRequest, deps: WebDeps): Session | null {
  const raw = request.cookies[SESSION_COOKIE];
  if (raw === undefined) return null;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || unsigned.value === null) return null;
  const stored = deps.passwords.current();
  return deps.sessions.get(unsigned.value, stored === null ? null : passwordFingerprint(stored));
}

function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply, deps: WebDeps) {
  const code = (error as { code?: string }).code ?? '';
  const status = (error as { statusCode?: number }).statusCode ?? 500;
  if (code.startsWith('FST_CSRF_')) {
    deps.logger.warn(
      { ip: request.ip, path: request.url, code },
      'web form refused: CSRF token missing or wrong',
    );
    return sendPage(
      reply.code(403),
      errorPage(
        'Form refused',
        'The form was not sent from this page, or it is too old. Go back, reload the page and try again.',
        reply,
        request,
      ),
    );
  }
  if (status === 429) {
    deps.logger.warn({ ip: request.ip, path: request.url }, 'web login rate limit reached');
    return sendPage(
      reply.code(429),
      errorPage(
        'Too many attempts',
        'Too many logins were tried from here: wait a minute, then try again.',
        reply,
        request,
      ),
    );
  }
  if (error instanceof KeyCipherError) {
    deps.logger.error({ err: error, path: request.url }, 'web page cannot read a stored key');
    return sendPage(
      reply.code(500),
      errorPage(
        'A stored key cannot be read',
        `${KEY_UNREADABLE.meaning}: ${KEY_UNREADABLE.action} (sudo moco-timeclock doctor names the badge). The Status page still works.`,
        reply,
        request,
      ),
    );
  }
  if (status >= 400 && status < 500) {
    return sendPage(
      reply.code(status),
      errorPage('Bad request', 'The page could not read that request.', reply, request),
    );
  }
  deps.logger.error({ err: error, path: request.url }, 'web page failed');
  return sendPage(
    reply.code(500),
    errorPage(
      'Something went wrong',
      'The page failed; the log says why (journalctl -u moco-timeclock-web). Taps at the door are not affected.',
      reply,
      request,
    ),
  );
}
