import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { manualInstruction } from '../../directory/enrol.js';
import { nameOf } from '../../identity/users.js';
import type { Uid } from '../../readers/uid.js';
import { BadgeError, type BadgeSummary, normalizeBadgeUid } from '../../store/badges.js';
import { html } from '../html.js';
import { redirectWith, renderPage, sessionFor } from '../respond.js';
import type { WebDeps } from '../server.js';
import {
  badgesBody,
  enrolExpiredBody,
  enrolStartBody,
  enrolWaitBody,
  mocoBadgesBody,
  ownerFormBody,
  removeConfirmBody,
} from '../views/badges.js';
import { localTime } from '../views/layout.js';

/** Waiting for a tap ends after this; an admin who walked away does not enrol a stranger's badge later. */
export const ENROL_WAIT_MS = 10 * 60_000;

/** The badge list with rename, new key and remove, and enrolment by tapping the new badge. */
export function badgeRoutes(deps: WebDeps): FastifyPluginAsync {
  const now = () => deps.clock.now();
  const summaryOf = (uid: string): BadgeSummary | null =>
    deps.badges.list().find((b) => b.uid === uid) ?? null;
  const uidParam = (request: FastifyRequest): Uid | null => {
    try {
      return normalizeBadgeUid((request.params as { uid: string }).uid);
    } catch {
      return null;
    }
  };
  const missing = (request: FastifyRequest, reply: FastifyReply) =>
    redirectWith(reply, request, '/badges', {
      kind: 'error',
      text: 'There is no such badge (removed meanwhile?).',
    });
  const labelOf = (body: unknown): string => {
    const label = (body as { label?: unknown } | undefined)?.label;
    return typeof label === 'string' ? label.trim() : '';
  };

  const inMoco = deps.inMoco;
  /** Badges kept in MOCO are changed there: the page only lists them and enrols new ones. */
  const changedInMoco = (request: FastifyRequest, reply: FastifyReply) =>
    redirectWith(reply, request, '/badges', {
      kind: 'error',
      text: `The badges are kept in MOCO: change this one in its user's "${inMoco?.field}" field there.`,
    });
  /** Whether a tapped UID already books: then it is no new badge to enrol. */
  const known = (uid: Uid): boolean =>
    inMoco === null ? deps.badges.identify(uid) !== null : inMoco.cache.lookup(uid).kind === 'user';

  return async (app) => {
    app.get('/badges', (request, reply) =>
      renderPage(request, reply, { title: 'Badges', current: 'badges' }, (csrf) =>
        inMoco === null
          ? badgesBody(
              {
                badges: deps.badges.list(),
                now: now(),
                timeZone: deps.config.timezone,
                changeLabel: deps.identity.changeLabel,
              },
              csrf,
            )
          : mocoBadgesBody({
              rows: inMoco.cache.list(),
              field: inMoco.field,
              now: now(),
              timeZone: deps.config.timezone,
            }),
      ),
    );

    app.addHook('preHandler', async (request, reply) => {
      const route = request.routeOptions.url ?? '';
      if (inMoco !== null && /^\/badges\/:uid\/(rename|remove|key)$/.test(route))
        return changedInMoco(request, reply);
    });

    app.post('/badges/:uid/rename', (request, reply) => {
      const uid = uidParam(request);
      if (uid === null) return missing(request, reply);
      const label = labelOf(request.body);
      if (label === '')
        return redirectWith(reply, request, '/badges', { kind: 'error', text: 'The label is empty.' });
      try {
        deps.badges.rename(uid, label);
      } catch (error) {
        if (error instanceof BadgeError && error.code === 'not_found') return missing(request, reply);
        throw error;
      }
      deps.logger.info({ uid, label, by: 'web', ip: request.ip }, 'badge renamed');
      return redirectWith(reply, request, '/badges', { kind: 'ok', text: `Badge ${uid} is now "${label}".` });
    });

    app.get('/badges/:uid/remove', (request, reply) => {
      const uid = uidParam(request);
      const badge = uid === null ? null : summaryOf(uid);
      if (badge === null) return missing(request, reply);
      const undelivered = deps.journal.countOpenOf(badge.uid);
      return renderPage(request, reply, { title: 'Remove badge?', current: 'badges' }, (csrf) =>
        removeConfirmBody(badge, undelivered, csrf),
      );
    });

    app.post('/badges/:uid/remove', (request, reply) => {
      const uid = uidParam(request);
      if (uid === null) return missing(request, reply);
      if ((request.body as { confirm?: unknown } | undefined)?.confirm !== 'yes') {
        return reply.redirect(`/badges/${uid}/remove`, 303);
      }
      if (!deps.badges.remove(uid)) return missing(request, reply);
      deps.logger.warn({ uid, by: 'web', ip: request.ip }, 'badge removed');
      return redirectWith(reply, request, '/badges', { kind: 'ok', text: `Removed badge ${uid}.` });
    });

    app.get('/badges/:uid/key', (request, reply) => {
      const uid = uidParam(request);
      const badge = uid === null ? null : summaryOf(uid);
      if (badge === null) return missing(request, reply);
      return newKeyForm(request, reply, badge, null, 200);
    });

    app.post('/badges/:uid/key', async (request, reply) => {
      const uid = uidParam(request);
      const badge = uid === null ? null : summaryOf(uid);
      if (badge === null) return missing(request, reply);
      const resolved = await deps.identity.resolve((request.body ?? {}) as Record<string, unknown>);
      if (!resolved.ok) return newKeyForm(request, reply, badge, resolved.message, 422);
      deps.badges.add({ uid: badge.uid, ...resolved.owner }, { replace: true });
      deps.logger.info(
        { uid: badge.uid, userId: resolved.owner.userId, by: 'web', ip: request.ip },
        'badge key replaced',
      );
      const failed = deps.journal.countOpenOf(badge.uid, { failedOnly: true });
      const retry =
        failed === 0
          ? ''
          : ` It has ${failed} failed tap${failed === 1 ? '' : 's'}: retry them on the Status page.`;
      return redirectWith(reply, request, '/badges', {
        kind: 'ok',
        text:
          resolved.owner.apiKey === null
            ? `Badge ${badge.uid} now books${ownerWords(resolved.owner, resolved.verified)} with the Staff key.${retry}`
            : `New key stored for badge ${badge.uid}${ownerWords(resolved.owner, resolved.verified)}.${retry}`,
      });
    });

    app.get('/badges/enrol', (request, reply) => {
      if (sessionFor(request).enrol?.tapped) return reply.redirect('/badges/enrol/new', 303);
      return renderPage(request, reply, { title: 'Enrol a badge', current: 'badges' }, (csrf) =>
        enrolStartBody(deps.daemonStatus().daemon.running, csrf),
      );
    });

    app.post('/badges/enrol/start', (request, reply) => {
      sessionFor(request).enrol = { since: now(), tapped: null };
      return reply.redirect('/badges/enrol/wait', 303);
    });

    app.post('/badges/enrol/cancel', (request, reply) => {
      sessionFor(request).enrol = null;
      return reply.redirect('/badges', 303);
    });

    app.get('/badges/enrol/wait', (request, reply) => {
      const enrol = sessionFor(request).enrol;
      if (enrol === null) return reply.redirect('/badges/enrol', 303);
      if (enrol.tapped !== null) return reply.redirect('/badges/enrol/new', 303);
      const scan = deps.unknownScans.last();
      if (scan !== null && scan.at >= enrol.since && !known(scan.uid)) {
        enrol.tapped = { uid: scan.uid, at: scan.at };
        return reply.redirect('/badges/enrol/new', 303);
      }
      if (now() - enrol.since > ENROL_WAIT_MS) {
        sessionFor(request).enrol = null;
        return renderPage(request, reply, { title: 'Enrol a badge', current: 'badges' }, enrolExpiredBody);
      }
      return renderPage(
        request,
        reply,
        { title: 'Waiting for the badge', current: 'badges', refreshSeconds: 2 },
        (csrf) => enrolWaitBody(enrol.since, now(), deps.daemonStatus().daemon.running, csrf),
      );
    });

    app.get('/badges/enrol/new', (request, reply) => {
      const tapped = sessionFor(request).enrol?.tapped ?? null;
      if (tapped === null) return reply.redirect('/badges/enrol', 303);
      return enrolForm(request, reply, tapped, null, null, 200);
    });

    app.post('/badges/enrol/new', async (request, reply) => {
      const session = sessionFor(request);
      const tapped = session.enrol?.tapped ?? null;
      if (tapped === null) return reply.redirect('/badges/enrol', 303);
      const { uid } = tapped;
      const label = labelOf(request.body);
      if (inMoco !== null) return enrolInMoco(request, reply, tapped);
      const resolved = await deps.identity.resolve((request.body ?? {}) as Record<string, unknown>);
      if (!resolved.ok) return enrolForm(request, reply, tapped, label, resolved.message, 422);
      try {
        deps.badges.add({ uid, label, ...resolved.owner });
      } catch (error) {
        if (!(error instanceof BadgeError)) throw error;
        return enrolForm(
          request,
          reply,
          tapped,
          label,
          `${error.message}: use "New key…" on the Badges page`,
          409,
        );
      }
      session.enrol = null;
      deps.logger.info({ uid, userId: resolved.owner.userId, by: 'web', ip: request.ip }, 'badge enrolled');
      return redirectWith(reply, request, '/badges', {
        kind: 'ok',
        text: `Enrolled badge ${uid}${ownerWords(resolved.owner, resolved.verified)}${label === '' ? '' : `, label "${label}"`}.`,
      });
    });
  };

  /** Writes the tapped UID into the user's field in MOCO, or says what to enter there instead. */
  async function enrolInMoco(
    request: FastifyRequest,
    reply: FastifyReply,
    tapped: { uid: string; at: number },
  ) {
    const moco = inMoco as NonNullable<typeof inMoco>;
    const form = (request.body ?? {}) as Record<string, unknown>;
    const who = typeof form.user === 'string' ? form.user.trim() : '';
    if (who === '')
      return enrolForm(request, reply, tapped, null, 'give the MOCO user as an id or an email', 422);
    const result = await moco.enrol(tapped.uid, who);
    if (result.kind === 'refused') return enrolForm(request, reply, tapped, null, result.message, 422);
    if (result.kind === 'manual') {
      const instead = `${result.why}. Instead, ${manualInstruction(result, moco.field)}.`;
      return enrolForm(request, reply, tapped, null, instead, 422);
    }
    sessionFor(request).enrol = null;
    deps.logger.info(
      { uid: tapped.uid, userId: result.user.id, field: moco.field, by: 'web', ip: request.ip },
      'badge enrolled in MOCO',
    );
    return redirectWith(reply, request, '/badges', {
      kind: 'ok',
      text: `Badge ${tapped.uid} is in ${nameOf(result.user)}'s "${moco.field}" field in MOCO${result.kind === 'already' ? ' already' : ''}: this kiosk books it now, the others after their next sync.`,
    });
  }

  function enrolForm(
    request: FastifyRequest,
    reply: FastifyReply,
    tapped: { uid: string; at: number },
    label: string | null,
    error: string | null,
    status: number,
  ) {
    return renderPage(
      request,
      reply.code(status),
      { title: 'Whose badge is it?', current: 'badges' },
      (csrf) =>
        ownerFormBody({
          action: '/badges/enrol/new',
          intro: html`<p>Badge <code>${tapped.uid}</code>, tapped ${localTime(tapped.at, now(), deps.config.timezone)}.</p>`,
          label,
          // MOCO keeps no label for a badge: the user's name is the label.
          askLabel: inMoco === null,
          fields: deps.identity.fields(),
          error,
          submit: 'Enrol',
          csrf,
        }),
    );
  }

  function newKeyForm(
    request: FastifyRequest,
    reply: FastifyReply,
    badge: BadgeSummary,
    error: string | null,
    status: number,
  ) {
    return renderPage(
      request,
      reply.code(status),
      { title: 'New key for a badge', current: 'badges' },
      (csrf) =>
        ownerFormBody({
          action: `/badges/${badge.uid}/key`,
          intro:
            badge.keyHint === 'none'
              ? html`<p>Badge <code>${badge.uid}</code>${badge.label === null ? null : html` (<b>${badge.label}</b>)`}, now ${badge.userName ?? 'nobody'}'s. Its taps go to the user given here from now on; label and history stay.</p>`
              : html`<p>Badge <code>${badge.uid}</code>${badge.label === null ? null : html` (<b>${badge.label}</b>)`}, key now ${badge.keyHint}. The new key replaces it; label and history stay.</p>`,
          label: badge.label,
          askLabel: false,
          fields: deps.identity.fields(),
          error,
          submit: 'Store the new key',
          csrf,
        }),
    );
  }
}

function ownerWords(owner: { userId: number | null; userName: string | null }, verified: boolean): string {
  if (!verified || owner.userId === null)
    return ' (key not verified: the first tap will show whether MOCO accepts it)';
  return ` for ${owner.userName ?? ''} (MOCO user ${owner.userId})`;
}
