import type { BadgeSummary } from '../../store/badges.js';
import { type Html, html } from '../html.js';
import { ago, csrfField, localTime } from './layout.js';

export interface BadgesModel {
  badges: BadgeSummary[];
  now: number;
  timeZone: string;
}

export function badgesBody({ badges, now, timeZone }: BadgesModel, csrf: string): Html {
  return html`<div class="actions top-actions"><a class="button" href="/badges/enrol">Enrol a badge by tapping it</a></div>
<section aria-label="Badges">
${
  badges.length === 0
    ? html`<p class="muted">No badges yet.</p>`
    : html`<ul class="list">${badges.map((badge) => badgeItem(badge, now, timeZone, csrf))}</ul>`
}
<p class="muted small">${badges.length} badge${badges.length === 1 ? '' : 's'}. Keys are shown by their last characters only.</p>
</section>`;
}

function badgeItem(badge: BadgeSummary, now: number, timeZone: string, csrf: string): Html {
  const user =
    badge.userId === null
      ? html`<span class="warn">key not verified</span>`
      : html`${badge.userName ?? ''} <span class="muted">(MOCO user ${badge.userId})</span>`;
  const seen =
    badge.lastSeenAt === null ? 'never seen' : `last seen ${localTime(badge.lastSeenAt, now, timeZone)}`;
  return html`<li data-badge="${badge.uid}">
<div class="grow"><b>${badge.label ?? html`<span class="muted">no label</span>`}</b> · ${user}<br>
<span class="muted small"><code>${badge.uid}</code> · key ${badge.keyHint} · ${seen}</span></div>
<form method="post" action="/badges/${badge.uid}/rename" class="rename">${csrfField(csrf)}
<input type="text" name="label" value="${badge.label ?? ''}" aria-label="Label of ${badge.uid}" maxlength="100" required>
<button type="submit" class="secondary">Rename</button></form>
<div class="actions"><a class="button secondary" href="/badges/${badge.uid}/key">New key…</a><a class="button secondary" href="/badges/${badge.uid}/remove">Remove…</a></div>
</li>`;
}

export function enrolStartBody(daemonRunning: boolean, csrf: string): Html {
  return html`<section>
<p>Press the button, then tap the new badge on the kiosk's reader. The page waits for the next
badge the kiosk does not know, then asks whose it is.</p>
${daemonRunning ? null : html`<p class="bad">The daemon is not running, so the reader is not read: start it first (sudo systemctl start moco-timeclock).</p>`}
<form method="post" action="/badges/enrol/start" class="actions">${csrfField(csrf)}<button type="submit">Tap the new badge now</button>
<a class="button secondary" href="/badges">Cancel</a></form>
</section>`;
}

export function enrolWaitBody(since: number, now: number, daemonRunning: boolean, csrf: string): Html {
  return html`<section aria-live="polite">
<p class="waiting">Tap the new badge on the reader now…</p>
<p class="muted">Waiting since ${ago(now - since)}. This page looks again every two seconds.
A badge that is enrolled already counts as a tap instead; remove it first to enrol it anew.</p>
${daemonRunning ? null : html`<p class="bad">The daemon is not running, so no tap can arrive.</p>`}
<form method="post" action="/badges/enrol/cancel">${csrfField(csrf)}<button type="submit" class="secondary">Cancel</button></form>
</section>`;
}

export function enrolExpiredBody(csrf: string): Html {
  return html`<section>
<p>No unknown badge was tapped in the last minutes.</p>
<form method="post" action="/badges/enrol/start" class="actions">${csrfField(csrf)}<button type="submit">Wait again</button>
<a class="button secondary" href="/badges">Cancel</a></form>
</section>`;
}

/** Who a badge belongs to: a new one (`action` enrols) or one getting a new key. */
export function ownerFormBody(options: {
  action: string;
  intro: Html;
  label: string | null;
  askLabel: boolean;
  fields: Html;
  error: string | null;
  submit: string;
  csrf: string;
}): Html {
  return html`<section>
${options.intro}
${options.error === null ? null : html`<p class="flash error" role="alert">${options.error}</p>`}
<form method="post" action="${options.action}" class="stack">${csrfField(options.csrf)}
${
  options.askLabel
    ? html`<label>Label, e.g. the person's name
<input type="text" name="label" value="${options.label ?? ''}" maxlength="100" autocomplete="off">
</label>`
    : null
}
${options.fields}
<div class="actions"><button type="submit">${options.submit}</button><a class="button secondary" href="/badges">Cancel</a></div>
</form>
</section>`;
}

export function removeConfirmBody(badge: BadgeSummary, undelivered: number, csrf: string): Html {
  return html`<section>
<p>Badge <code>${badge.uid}</code>${badge.label === null ? null : html` (<b>${badge.label}</b>)`}${badge.userName === null ? null : html` of ${badge.userName}`}: its taps will no longer be booked.</p>
${undelivered === 0 ? null : html`<p class="bad">It has ${undelivered} tap${undelivered === 1 ? '' : 's'} not delivered yet: ${undelivered === 1 ? 'it' : 'they'} will fail once the badge is gone.</p>`}
<form method="post" action="/badges/${badge.uid}/remove" class="actions">${csrfField(csrf)}
<input type="hidden" name="confirm" value="yes">
<button type="submit" class="danger">Remove badge ${badge.uid}</button>
<a class="button secondary" href="/badges">Cancel</a>
</form>
</section>`;
}
