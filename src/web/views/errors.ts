import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Html, html } from '../html.js';
import { page } from './layout.js';

/** A page that says what went wrong and leads back; with the navigation when logged in. */
export function errorPage(title: string, text: string, reply: FastifyReply, request: FastifyRequest): Html {
  const loggedIn = request.adminSession !== null;
  return page(
    { title, current: loggedIn ? 'status' : null, csrf: loggedIn ? reply.generateCsrf() : '' },
    html`<section><p>${text}</p><p><a href="${loggedIn ? '/status' : '/login'}">Back</a></p></section>`,
  );
}
