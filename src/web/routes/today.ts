import type { FastifyPluginAsync } from 'fastify';
import { redirectWith, renderPage } from '../respond.js';
import type { WebDeps } from '../server.js';
import { todayBody } from '../views/today.js';

/** Today's presences from MOCO, and closing an open one at a chosen time. */
export function todayRoutes(deps: WebDeps): FastifyPluginAsync {
  return async (app) => {
    app.get('/today', async (request, reply) => {
      const view = await deps.today.view();
      return renderPage(request, reply, { title: 'Today', current: 'today' }, (csrf) =>
        todayBody(view, deps.clock.now(), csrf),
      );
    });

    app.post('/today/close', async (request, reply) => {
      const body = (request.body ?? {}) as { user?: unknown; presence?: unknown; to?: unknown };
      const user = typeof body.user === 'string' ? body.user : '';
      const presence =
        typeof body.presence === 'string' && /^\d{1,15}$/.test(body.presence) ? Number(body.presence) : 0;
      const to = typeof body.to === 'string' ? body.to.trim() : '';
      const result = await deps.today.close(user, presence, to);
      if (!result.ok)
        return redirectWith(reply, request, '/today', {
          kind: 'error',
          text: `Not closed: ${result.message}.`,
        });
      deps.logger.info(
        {
          presenceId: result.presence.id,
          userId: result.presence.user?.id,
          date: result.presence.date,
          to,
          by: 'web',
          ip: request.ip,
        },
        'presence closed',
      );
      return redirectWith(reply, request, '/today', {
        kind: 'ok',
        text: `Closed ${result.user.name}'s presence of ${result.presence.date}: ${result.presence.from}–${result.presence.to ?? to}.`,
      });
    });
  };
}
