import { formatOverride, localParts } from '../../time/local.js';
import { type Html, html } from '../html.js';
import type { Flash } from '../sessions.js';

export interface PageOptions {
  title: string;
  /** The navigation entry to mark; null on pages before login. */
  current: 'status' | 'badges' | 'today' | null;
  csrf: string;
  flash?: Flash | null;
  /** Seconds after which a browser without JavaScript reloads the page (waiting for a tap). */
  refreshSeconds?: number;
  /** `data-live`: the script refreshes the main part in place every few seconds. */
  live?: boolean;
}

const NAV: readonly { id: NonNullable<PageOptions['current']>; href: string; label: string }[] = [
  { id: 'status', href: '/status', label: 'Status' },
  { id: 'badges', href: '/badges', label: 'Badges' },
  { id: 'today', href: '/today', label: 'Today' },
];

export function page(options: PageOptions, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.refreshSeconds === undefined ? null : html`<meta http-equiv="refresh" content="${options.refreshSeconds}">`}
<title>${options.title} · moco-timeclock</title>
<link rel="stylesheet" href="/assets/style.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<header>
<span class="brand">moco-timeclock</span>
${options.current === null ? null : nav(options.current, options.csrf)}
</header>
${options.flash ? html`<p class="flash ${options.flash.kind}" role="status">${options.flash.text}</p>` : null}
<main${options.live ? html` data-live="5"` : null}>
<h1>${options.title}</h1>
${body}
</main>
</body>
</html>
`;
}

function nav(current: string, csrf: string): Html {
  return html`<nav>
${NAV.map(
  (item) =>
    html`<a href="${item.href}"${item.id === current ? html` aria-current="page"` : null}>${item.label}</a>`,
)}
<form method="post" action="/logout" class="inline">${csrfField(csrf)}<button type="submit" class="link">Log out</button></form>
</nav>`;
}

/** The token every form carries; the server refuses a form without it (CSRF). */
export function csrfField(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

/** A form of one button: every action that changes something is a POST with the token. */
export function actionButton(action: string, label: string, csrf: string, className = ''): Html {
  return html`<form method="post" action="${action}" class="inline">${csrfField(csrf)}<button type="submit"${className === '' ? null : html` class="${className}"`}>${label}</button></form>`;
}

/** Local times in the kiosk's zone: the minute alone for today, with the date otherwise. */
export function localTime(at: number, now: number, timeZone: string): string {
  const parts = localParts(at, timeZone);
  return parts.date === localParts(now, timeZone).date ? parts.time : formatOverride(parts);
}

export function ago(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return seconds < 5 ? 'just now' : `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`;
}
