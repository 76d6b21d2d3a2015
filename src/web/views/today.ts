import type { Presence } from '../../moco/types.js';
import { type Html, html } from '../html.js';
import type { TodayView, UserDay } from '../today.js';
import { ago, csrfField } from './layout.js';

export function todayBody(view: TodayView, now: number, csrf: string): Html {
  const forgotten = view.users.filter((day) => day.openEarlier.length > 0);
  return html`<p class="muted">${view.date}: presences in MOCO of the ${view.users.length} ${view.users.length === 1 ? 'person' : 'people'} with a badge here.</p>
${view.notAsked === null ? null : html`<p class="warn">MOCO was not asked for this page: ${view.notAsked}.</p>`}
${
  forgotten.length === 0
    ? null
    : html`<section aria-label="Open from earlier days">
<h2 class="bad">Still open from earlier days</h2>
<ul class="list">${forgotten.flatMap((day) => day.openEarlier.map((presence) => openItem(day, presence, csrf, true)))}</ul>
</section>`
}
<section aria-label="Today">
<h2>Today</h2>
${view.users.length === 0 ? html`<p class="muted">No badges yet.</p>` : html`<ul class="list">${view.users.map((day) => dayItem(day, now, csrf))}</ul>`}
</section>`;
}

function dayItem(day: UserDay, now: number, csrf: string): Html {
  const open = day.today.filter((p) => p.to === null);
  const spans = day.today.map((p) => `${p.from}–${p.to ?? 'now'}${p.is_home_office ? ' (home)' : ''}`);
  return html`<li data-user="${day.user.id}">
<div class="grow"><b>${day.user.name}</b> ${open.length > 0 ? html`<span class="tag ok">in</span>` : null}<br>
${
  day.readAt === null
    ? day.problem === null
      ? html`<span class="muted">not read from MOCO yet</span>`
      : null
    : spans.length === 0
      ? html`<span class="muted">no presence today</span>`
      : html`<span>${spans.join(', ')}</span>`
}
${day.problem === null ? null : html`<p class="explain bad"><b>${day.problem.meaning}.</b> ${day.problem.action}.</p>`}
<span class="muted small">${day.readAt === null ? '' : `read ${ago(now - day.readAt)}`}</span></div>
${open.length === 0 ? null : html`<div>${open.map((presence) => closeForm(day, presence, csrf))}</div>`}
</li>`;
}

function openItem(day: UserDay, presence: Presence, csrf: string, earlier: boolean): Html {
  return html`<li data-presence="${presence.id}">
<div class="grow"><b>${day.user.name}</b>: ${presence.date}, from ${presence.from}, never closed${earlier ? ' (a forgotten clock-out?)' : ''}</div>
${closeForm(day, presence, csrf)}
</li>`;
}

function closeForm(day: UserDay, presence: Presence, csrf: string): Html {
  return html`<form method="post" action="/today/close" class="rename">${csrfField(csrf)}
<input type="hidden" name="user" value="${day.user.id}">
<input type="hidden" name="presence" value="${presence.id}">
<input type="time" name="to" required aria-label="Close ${day.user.name}'s presence of ${presence.date} at">
<button type="submit" class="secondary">Close at this time</button>
</form>`;
}
