import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../html.js';
import { passwordFingerprint, verifyPassword } from '../password.js';
import { sendPage } from '../respond.js';
import { LOGIN_ATTEMPTS_PER_MINUTE, SESSION_COOKIE, type WebDeps } from '../server.js';
import { csrfField, page } from '../views/layout.js';

/** The login form, the login itself (rate limited), and the logout. */
export function authRoutes(deps: WebDeps): FastifyPluginAsync {
  return async (app) => {
    app.get('/login', { config: { public: true } }, (request, reply) => {
      if (request.adminSession !== null) return reply.redirect('/status', 303);
      const query = request.query as { bye?: string };
      return loginPage(reply, 200, query.bye === '1' ? 'You are logged out.' : null, 'ok');
    });

    app.post(
      '/login',
      { config: { public: true, rateLimit: { max: LOGIN_ATTEMPTS_PER_MINUTE, timeWindow: 60_000 } } },
      async (request, reply) => {
        const body = (request.body ?? {}) as { password?: unknown };
        const stored = deps.passwords.current();
        if (stored === null) {
          return loginPage(
            reply,
            503,
            'No admin password is set: run "sudo moco-timeclock web passwd" on the kiosk.',
            'error',
          );
        }
        const password = typeof body.password === 'string' ? body.password : '';
        if (password === '' || !(await verifyPassword(password, stored))) {
          deps.logger.warn({ ip: request.ip }, 'web login refused: wrong password');
          return loginPage(reply, 401, 'Wrong password.', 'error');
        }
        const session = deps.sessions.open(passwordFingerprint(stored));
        reply.setCookie(SESSION_COOKIE, session.id, {
          signed: true,
          httpOnly: true,
          sameSite: 'strict',
          path: '/',
          // Secure whenever the browser came over TLS (directly or, with web.trustProxy, via a proxy).
          secure: request.protocol === 'https',
          maxAge: Math.floor(deps.sessions.maxAgeMs / 1000),
        });
        deps.logger.info({ ip: request.ip }, 'web login');
        return reply.redirect('/status', 303);
      },
    );

    app.post('/logout', (request: FastifyRequest, reply) => {
      if (request.adminSession !== null) deps.sessions.close(request.adminSession.id);
      deps.logger.info({ ip: request.ip }, 'web logout');
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.redirect('/login?bye=1', 303);
    });
  };
}

function loginPage(reply: FastifyReply, status: number, message: string | null, kind: 'ok' | 'error') {
  const csrf = reply.generateCsrf();
  return sendPage(
    reply.code(status),
    page(
      { title: 'Log in', current: null, csrf, flash: message === null ? null : { kind, text: message } },
      html`<section>
<form method="post" action="/login" class="stack">
${csrfField(csrf)}
<label>Admin password
<input type="password" name="password" autocomplete="current-password" required autofocus>
</label>
<div><button type="submit">Log in</button></div>
</form>
<p class="muted small">The password is set on the kiosk with <code>sudo moco-timeclock web passwd</code>.</p>
</section>`,
    ),
  );
}
