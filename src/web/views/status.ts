import type { TapFailure } from '../../failures/explain.js';
import type { StatusReport } from '../../status/report.js';
import type { Tap } from '../../store/journal.js';
import type { Activity } from '../activity.js';
import { type Html, html } from '../html.js';
import type { MocoTime } from '../moco.js';
import { actionButton, ago, localTime } from './layout.js';

export interface OpenTap {
  tap: Tap;
  who: string;
  /** Why its last attempt failed; null for a tap not tried yet. */
  failure: TapFailure | null;
}

export interface StatusModel {
  now: number;
  timeZone: string;
  report: StatusReport;
  mocoTime: MocoTime | null;
  failed: OpenTap[];
  pending: OpenTap[];
  activity: Activity[];
}

/** An offset beyond this is worth a warning: presences are booked by the minute. */
const CLOCK_WARN_MS = 30_000;

export function statusBody(model: StatusModel, csrf: string): Html {
  return html`${kioskSection(model)}
${failedSection(model, csrf)}
${pendingSection(model, csrf)}
${activitySection(model)}`;
}

function kioskSection({ report, now, timeZone, mocoTime }: StatusModel): Html {
  const at = (iso: string | null) => (iso === null ? '-' : localTime(Date.parse(iso), now, timeZone));
  const daemon = report.daemon.running
    ? html`<span class="ok">running</span> <span class="muted">since ${at(report.daemon.startedAt)}</span>`
    : html`<span class="bad">NOT RUNNING</span> <span class="muted">taps at the door are not read: sudo systemctl status moco-timeclock</span>`;
  const moco =
    report.moco.connectivity === null
      ? html`<span class="muted">unknown (the daemon is not running)</span>`
      : report.moco.connectivity === 'online'
        ? html`<span class="ok">reachable</span> <span class="muted">since ${at(report.moco.since)}</span>`
        : html`<span class="bad">unreachable</span> <span class="muted">since ${at(report.moco.since)}; taps are queued and sent when it is back</span>`;
  return html`<section aria-label="Kiosk">
<dl class="facts">
<dt>Daemon</dt><dd>${daemon}</dd>
<dt>MOCO</dt><dd>${moco}</dd>
<dt>Reader</dt><dd>${report.reader === null ? html`<span class="muted">unknown</span>` : report.reader === 'connected' ? html`<span class="ok">connected</span>` : html`<span class="bad">disconnected</span>`}</dd>
<dt>Clock</dt><dd>${clockFacts(report, mocoTime, now, timeZone)}</dd>
<dt>Taps</dt><dd>${report.taps.pending} waiting, ${report.taps.failed === 0 ? html`0 failed` : html`<span class="bad">${report.taps.failed} failed</span>`}</dd>
</dl>
</section>`;
}

function clockFacts(report: StatusReport, mocoTime: MocoTime | null, now: number, timeZone: string): Html {
  const kiosk = html`kiosk ${localTime(now, now, timeZone)}`;
  const synced =
    report.clockSynchronized === false
      ? html`, <span class="bad">not synchronised</span> (queued taps wait for it)`
      : report.clockSynchronized === true
        ? html`, synchronised`
        : null;
  if (mocoTime === null)
    return html`${kiosk}${synced}; <span class="muted">MOCO's clock not known yet</span>`;
  const offset = mocoTime.offsetMs;
  const seconds = Math.round(Math.abs(offset) / 1000);
  const relation =
    Math.abs(offset) < 2000
      ? html`<span class="ok">MOCO agrees</span>`
      : html`<span class="${Math.abs(offset) >= CLOCK_WARN_MS ? 'bad' : 'warn'}">the kiosk is ${seconds} s ${offset > 0 ? 'behind' : 'ahead of'} MOCO</span>`;
  return html`${kiosk}${synced}; ${relation} <span class="muted small">(MOCO said ${ago(now - mocoTime.kioskAt)})</span>`;
}

function failedSection(model: StatusModel, csrf: string): Html {
  if (model.failed.length === 0) return html``;
  return html`<section aria-label="Failed taps">
<h2 class="bad">Failed taps: need you</h2>
<ul class="list">${model.failed.map((open) => tapItem(open, model, csrf, true))}</ul>
${model.failed.length > 1 ? html`<div class="actions">${actionButton('/taps/retry-failed', 'Retry all failed taps', csrf)}</div>` : null}
</section>`;
}

function pendingSection(model: StatusModel, csrf: string): Html {
  if (model.pending.length === 0) return html``;
  return html`<section aria-label="Waiting taps">
<h2>Waiting for delivery</h2>
<ul class="list">${model.pending.map((open) => tapItem(open, model, csrf, false))}</ul>
</section>`;
}

function tapItem(open: OpenTap, model: StatusModel, csrf: string, failed: boolean): Html {
  const { tap, failure } = open;
  return html`<li data-tap="${tap.id}">
<div class="grow"><b>${open.who}</b> <span class="muted">tapped ${localTime(tap.atMs, model.now, model.timeZone)}${tap.timeUncertain ? ' (time uncertain)' : ''} · tap ${tap.id} · ${tap.attempts} attempt${tap.attempts === 1 ? '' : 's'}</span>
${failure === null ? html`<p class="explain muted">not sent yet</p>` : explanation(failure)}</div>
<div class="actions">${failed ? actionButton(`/taps/${tap.id}/retry`, 'Retry', csrf) : null}<a class="button secondary" href="/taps/${tap.id}/drop">Drop…</a></div>
</li>`;
}

export function explanation(failure: TapFailure): Html {
  return html`<p class="explain"><b>${failure.meaning}.</b> ${failure.action}.</p>
<details class="small muted"><summary>Detail</summary>${failure.detail}</details>`;
}

const OUTCOME_WORDS: Record<string, string> = {
  clocked_in: 'clocked in',
  clocked_out: 'clocked out',
  locked: 'refused (conflict)',
  rejected: 'refused',
  error: 'error',
};

function activitySection({ activity, now, timeZone }: StatusModel): Html {
  return html`<section aria-label="Last taps">
<h2>Last taps</h2>
${
  activity.length === 0
    ? html`<p class="muted">No taps yet.</p>`
    : html`<ul class="list">${activity.map(
        (
          item,
        ) => html`<li data-uid="${item.uid}"><span class="muted">${localTime(item.at, now, timeZone)}</span>
<span class="grow">${item.kind === 'unknown' ? html`unknown badge <code>${item.uid}</code>` : (item.who ?? html`badge <code>${item.uid}</code>`)}</span>
${activityOutcome(item)}</li>`,
      )}</ul>`
}
</section>`;
}

function activityOutcome(item: Activity): Html {
  if (item.kind === 'unknown') return html`<span class="tag warn">was not enrolled</span>`;
  if (item.state === 'pending') return html`<span class="tag warn">waiting</span>`;
  const words = OUTCOME_WORDS[item.outcome ?? ''] ?? item.outcome ?? '';
  const tone = item.state === 'failed' ? 'bad' : item.outcome === 'locked' ? 'warn' : 'ok';
  return html`<span class="tag ${tone}">${item.state === 'failed' ? `failed: ${words}` : words}</span>`;
}

export function dropConfirmBody(
  open: OpenTap,
  model: Pick<StatusModel, 'now' | 'timeZone'>,
  csrf: string,
): Html {
  const { tap } = open;
  return html`<section>
<p>Tap ${tap.id}: <b>${open.who}</b>, tapped ${localTime(tap.atMs, model.now, model.timeZone)}, ${tap.state === 'failed' ? 'failed' : 'waiting for delivery'}.</p>
${open.failure === null ? null : explanation(open.failure)}
<p><b>Dropping removes the tap for good: it will never reach MOCO.</b> Do it only when the time is booked in MOCO already or must not be. The drop is written to the log.</p>
${tap.uncertain ? html`<p class="warn">Its last attempt got no answer, so MOCO may have booked it: check the person's presences in MOCO.</p>` : null}
<form method="post" action="/taps/${tap.id}/drop" class="actions">
<input type="hidden" name="_csrf" value="${csrf}">
<input type="hidden" name="confirm" value="yes">
<button type="submit" class="danger">Drop tap ${tap.id} for good</button>
<a class="button secondary" href="/status">Cancel</a>
</form>
</section>`;
}
