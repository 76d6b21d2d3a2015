import type { BadgeSummary } from '../../store/badges.js';
import type { MocoBadgeRow } from '../../store/moco-badges.js';
import { type Html, html } from '../html.js';
import { ago, csrfField, localTime } from './layout.js';

export interface BadgesModel {
  badges: BadgeSummary[];
  now: number;
  timeZone: string;
  /** The button that gives a badge a new key or another user. */
  changeLabel: string;
}

export function badgesBody({ badges, now, timeZone, changeLabel }: BadgesModel, csrf: string): Html {
  return html`<div class="actions top-actions"><a class="button" href="/badges/enrol">Enrol a badge by tapping it</a></div>
<section aria-label="Badges">
${
  badges.length === 0
    ? html`<p class="muted">No badges yet.</p>`
    : html`<ul class="list">${badges.map((badge) => badgeItem(badge, now, timeZone, changeLabel, csrf))}</ul>`
}
<p class="muted small">${badges.length} badge${badges.length === 1 ? '' : 's'}. Keys are shown by their last characters only.</p>
</section>`;
}

function badgeItem(
  badge: BadgeSummary,
  now: number,
  timeZone: string,
  changeLabel: string,
  csrf: string,
): Html {
  const user =
    badge.userId === null
      ? html`<span class="warn">key not verified</span>`
      : html`${badge.userName ?? ''} <span class="muted">(MOCO user ${badge.userId})</span>`;
  const seen =
    badge.lastSeenAt === null ? 'never seen' : `last seen ${localTime(badge.lastSeenAt, now, timeZone)}`;
  return html`<li data-badge="${badge.uid}">
<div class="grow"><b>${badge.label ?? html`<span class="muted">no label</span>`}</b> · ${user}<br>
<span class="muted small"><code>${badge.uid}</code> · ${keyWords(badge)} · ${seen}</span></div>
<form method="post" action="/badges/${badge.uid}/rename" class="rename">${csrfField(csrf)}
<input type="text" name="label" value="${badge.label ?? ''}" aria-label="Label of ${badge.uid}" maxlength="100" required>
<button type="submit" class="secondary">Rename</button></form>
<div class="actions"><a class="button secondary" href="/badges/${badge.uid}/key">${changeLabel}</a><a class="button secondary" href="/badges/${badge.uid}/remove">Remove…</a></div>
</li>`;
}

/** `key …1234`, or for a badge booked with the Staff key, that. */
export function keyWords(badge: Pick<BadgeSummary, 'keyHint'>): string {
  return badge.keyHint === 'none' ? 'booked with the Staff key' : `key ${badge.keyHint}`;
}

/** The badges kept in MOCO, as the kiosk's last sync read them: changed in MOCO, not here. */
export function mocoBadgesBody(model: {
  rows: MocoBadgeRow[];
  field: string;
  now: number;
  timeZone: string;
}): Html {
  const { rows, field, now, timeZone } = model;
  return html`<div class="actions top-actions"><a class="button" href="/badges/enrol">Enrol a badge by tapping it</a></div>
<section aria-label="Badges">
<p class="muted">The badges are kept in MOCO, in the users' <b>${field}</b> field, and read by every kiosk. Change or remove one there; the kiosks follow at their next sync.</p>
${
  rows.length === 0
    ? html`<p class="muted">No badges in MOCO yet, as of the last sync.</p>`
    : html`<ul class="list">${rows.map(
        (row) => html`<li data-badge="${row.uid}">
<div class="grow"><b>${row.userName}</b> <span class="muted">(MOCO user ${row.userId})</span>${row.conflict ? html` <span class="bad">also on another user: its taps count as unknown</span>` : null}<br>
<span class="muted small"><code>${row.uid}</code> · ${row.lastSeenAt === null ? 'never seen' : `last seen ${localTime(row.lastSeenAt, now, timeZone)}`}</span></div>
</li>`,
      )}</ul>`
}
<p class="muted small">${rows.length} badge${rows.length === 1 ? '' : 's'}, booked with the Staff key.</p>
</section>`;
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
  // With the Staff key a tap goes with its user, not with the badge's key: taps taken already stay booked.
  const staff = badge.keyHint === 'none';
  return html`<section>
<p>Badge <code>${badge.uid}</code>${badge.label === null ? null : html` (<b>${badge.label}</b>)`}${badge.userName === null ? null : html` of ${badge.userName}`}: its taps will no longer be booked.</p>
${
  undelivered === 0
    ? null
    : staff
      ? html`<p class="muted">It has ${undelivered} tap${undelivered === 1 ? '' : 's'} not delivered yet: ${undelivered === 1 ? 'it is' : 'they are'} still booked for ${badge.userName ?? 'its user'}.</p>`
      : html`<p class="bad">It has ${undelivered} tap${undelivered === 1 ? '' : 's'} not delivered yet: ${undelivered === 1 ? 'it' : 'they'} will fail once the badge is gone.</p>`
}
<form method="post" action="/badges/${badge.uid}/remove" class="actions">${csrfField(csrf)}
<input type="hidden" name="confirm" value="yes">
<button type="submit" class="danger">Remove badge ${badge.uid}</button>
<a class="button secondary" href="/badges">Cancel</a>
</form>
</section>`;
}
