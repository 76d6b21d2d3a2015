import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { explainTapFailure } from '../../failures/explain.js';
import type { Journal, Tap } from '../../store/journal.js';
import { badgeNames, recentActivity } from '../activity.js';
import { redirectWith, renderPage } from '../respond.js';
import type { WebDeps } from '../server.js';
import { dropConfirmBody, type OpenTap, statusBody } from '../views/status.js';

/** How many of the last taps the status page lists. */
const ACTIVITY_SHOWN = 20;
/** Undelivered taps listed; a longer backlog is counted above the list. */
const OPEN_SHOWN = 200;

/** The oldest `limit` undelivered taps, read one at a time: a backlog of 100,000 is not loaded. */
function firstOpenTaps(journal: Journal, limit: number): Tap[] {
  const taps: Tap[] = [];
  for (const tap of journal.openTaps()) {
    if (taps.length >= limit) break;
    taps.push(tap);
  }
  return taps;
}

/** The status page, and the admin's actions on undelivered taps: retry and drop. */
export function statusRoutes(deps: WebDeps): FastifyPluginAsync {
  const openTap = (tap: Tap, labels: Map<string, string | null>): OpenTap => ({
    tap,
    who: labels.get(tap.uid) ?? tap.userName ?? `badge ${tap.uid}`,
    failure: tap.lastError === null ? null : explainTapFailure(tap.lastError, { baseUrl: deps.baseUrl }),
  });
  // Without decrypting any key: one unreadable key must not take the status page down with it.
  const labels = () => badgeNames(deps.db);
  const tapParam = (request: FastifyRequest): number | null => {
    const raw = (request.params as { id: string }).id;
    return /^\d{1,15}$/.test(raw) ? Number(raw) : null;
  };

  return async (app) => {
    app.get('/status', (request, reply) => {
      const report = deps.daemonStatus();
      if (report.daemon.running && report.moco.connectivity === 'online') deps.probeMocoClock();
      const names = labels();
      const open = firstOpenTaps(deps.journal, OPEN_SHOWN).map((tap) => openTap(tap, names));
      const model = {
        now: deps.clock.now(),
        timeZone: deps.config.timezone,
        report,
        mocoTime: deps.mocoClock.last(),
        failed: open.filter((o) => o.tap.state === 'failed'),
        pending: open.filter((o) => o.tap.state === 'pending'),
        activity: recentActivity(deps.db, ACTIVITY_SHOWN),
      };
      return renderPage(request, reply, { title: 'Status', current: 'status', live: true }, (csrf) =>
        statusBody(model, csrf),
      );
    });

    app.post('/taps/:id/retry', (request, reply) => {
      const id = tapParam(request);
      const count = id === null ? 0 : deps.journal.retry([id]);
      if (count === 0) {
        return redirectWith(reply, request, '/status', {
          kind: 'error',
          text: `Tap ${id ?? '?'} is not a failed tap any more (delivered, retried or dropped meanwhile).`,
        });
      }
      deps.logger.info({ tapId: id, by: 'web', ip: request.ip }, 'tap retried');
      return redirectWith(reply, request, '/status', {
        kind: 'ok',
        text: `Tap ${id} is back in the queue: the daemon sends it within a few seconds.`,
      });
    });

    app.post('/taps/retry-failed', async (request, reply) => {
      const count = await deps.journal.retryAllFailed();
      deps.logger.info({ count, by: 'web', ip: request.ip }, 'failed taps retried');
      return redirectWith(reply, request, '/status', {
        kind: 'ok',
        text: `${count} tap${count === 1 ? ' is' : 's are'} back in the queue: the daemon sends them within a few seconds.`,
      });
    });

    app.get('/taps/:id/drop', (request, reply) => {
      const id = tapParam(request);
      const tap = id === null ? null : deps.journal.get(id);
      if (tap === null || tap.state === 'delivered') {
        return redirectWith(reply, request, '/status', {
          kind: 'error',
          text: `Tap ${id ?? '?'} is not waiting or failed: nothing to drop.`,
        });
      }
      const model = { now: deps.clock.now(), timeZone: deps.config.timezone };
      return renderPage(request, reply, { title: `Drop tap ${tap.id}?`, current: 'status' }, (csrf) =>
        dropConfirmBody(openTap(tap, labels()), model, csrf),
      );
    });

    app.post('/taps/:id/drop', (request, reply) => {
      const id = tapParam(request);
      if ((request.body as { confirm?: unknown } | undefined)?.confirm !== 'yes') {
        return reply.redirect(`/taps/${id ?? 0}/drop`, 303);
      }
      const dropped = id === null ? null : deps.journal.drop(id);
      if (dropped === null) {
        return redirectWith(reply, request, '/status', {
          kind: 'error',
          text: `Tap ${id ?? '?'} is not in the queue any more (delivered or dropped meanwhile).`,
        });
      }
      // The audit trail of a tap that leaves undelivered, like `queue drop` writes it.
      deps.logger.warn(
        {
          tapId: dropped.id,
          uid: dropped.uid,
          userId: dropped.userId,
          userName: dropped.userName,
          at: new Date(dropped.atMs).toISOString(),
          state: dropped.state,
          attempts: dropped.attempts,
          lastError: dropped.lastError,
          droppedBy: `web (${request.ip})`,
        },
        'tap dropped',
      );
      const note = dropped.uncertain
        ? ' Its last attempt got no answer: check in MOCO whether it was booked.'
        : '';
      return redirectWith(reply, request, '/status', {
        kind: 'ok',
        text: `Dropped tap ${dropped.id} (${dropped.localDate} ${dropped.localTime}).${note}`,
      });
    });
  };
}
