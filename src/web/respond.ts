import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Html } from './html.js';
import type { Flash, Session } from './sessions.js';
import { type PageOptions, page } from './views/layout.js';

/** The logged-in session of a route that requires one (the preHandler made sure). */
export function sessionFor(request: FastifyRequest): Session {
  return request.adminSession as Session;
}

/** Redirects after a form, with a message for the next page. */
export function redirectWith(
  reply: FastifyReply,
  request: FastifyRequest,
  to: string,
  flash: Flash,
): FastifyReply {
  if (request.adminSession !== null) request.adminSession.flash = flash;
  return reply.redirect(to, 303);
}

/** The message of the previous form, once. */
export function takeFlash(request: FastifyRequest): Flash | null {
  const session = request.adminSession;
  if (session === null) return null;
  const flash = session.flash;
  session.flash = null;
  return flash;
}

export function sendPage(reply: FastifyReply, page: Html): FastifyReply {
  return reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(page.toString());
}

/** A whole page with the navigation, a fresh CSRF token for its forms and the pending message. */
export function renderPage(
  request: FastifyRequest,
  reply: FastifyReply,
  options: Omit<PageOptions, 'csrf' | 'flash'>,
  body: (csrf: string) => Html,
): FastifyReply {
  const csrf = reply.generateCsrf();
  return sendPage(reply, page({ ...options, csrf, flash: takeFlash(request) }, body(csrf)));
}
