/**
 * The page's only two assets, kept as text here: no front-end build step, nothing to copy at
 * install time. Every page works without the script; it only refreshes live parts in place.
 */

export const STYLE_CSS = `
:root { --fg: #1d2327; --muted: #5f6b73; --line: #d5dadd; --bg: #f6f7f8; --card: #fff;
  --ok: #1a7f37; --bad: #b42318; --warn: #9a6700; --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .6rem 1rem; background: var(--card); border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; }
nav { display: flex; flex-wrap: wrap; gap: .25rem .9rem; align-items: center; }
nav a { color: var(--accent); text-decoration: none; padding: .35rem 0; }
nav a[aria-current="page"] { font-weight: 700; border-bottom: 2px solid var(--accent); }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.4rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
section, .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; margin-bottom: 1rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
ul.list { list-style: none; margin: 0; padding: 0; }
ul.list > li { padding: .6rem 0; border-top: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: .3rem .8rem; align-items: baseline; }
ul.list > li:first-child { border-top: 0; }
.grow { flex: 1 1 14rem; min-width: 0; }
.muted { color: var(--muted); }
.small { font-size: .88rem; }
.ok { color: var(--ok); } .bad { color: var(--bad); } .warn { color: var(--warn); }
.tag { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .85rem; border: 1px solid currentColor; }
.flash { max-width: 58rem; margin: 1rem auto 0; padding: .6rem .9rem; border-radius: 8px; border: 1px solid; background: var(--card); }
@media (max-width: 60rem) { .flash { margin: .6rem; } }
.flash.ok { color: var(--ok); } .flash.error { color: var(--bad); }
.explain { margin: .2rem 0 0; }
.explain b { font-weight: 600; }
form.inline { display: inline; margin: 0; }
form.stack { display: grid; gap: .7rem; max-width: 28rem; }
label { display: grid; gap: .2rem; }
label.check { display: flex; gap: .5rem; align-items: center; }
input[type=text], input[type=password], input[type=time] { font: inherit; padding: .55rem .6rem; border: 1px solid var(--line); border-radius: 6px; width: 100%; }
button, .button { font: inherit; padding: .5rem .9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: var(--card); color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
button.link { background: none; border: 0; color: var(--accent); padding: .35rem 0; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.top-actions { margin-bottom: 1rem; }
.rename { display: flex; gap: .4rem; flex: 1 1 16rem; }
.rename input { min-width: 0; }
details summary { cursor: pointer; color: var(--accent); }
code { font-size: .9em; }
.waiting { font-size: 1.2rem; }
@media (max-width: 30rem) { main { padding: .6rem; } dl.facts { grid-template-columns: 1fr; } dl.facts dd { margin-bottom: .4rem; } }
`;

export const APP_JS = `
// Live refresh: a <main data-live="N"> is reloaded in place every N seconds, unless the admin is
// typing in it or the tab is hidden. A logged-out answer (redirect to the login) reloads the page.
(function () {
  var main = document.querySelector('main[data-live]');
  if (!main || !window.fetch || !window.DOMParser) return;
  var seconds = Number(main.getAttribute('data-live')) || 5;
  function busy() {
    var active = document.activeElement;
    return document.hidden || (active && main.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName));
  }
  function refresh() {
    if (busy()) return;
    fetch(location.href, { credentials: 'same-origin' }).then(function (response) {
      if (response.redirected || !response.ok) { location.reload(); return null; }
      return response.text();
    }).then(function (text) {
      if (text === null || busy()) return;
      var next = new DOMParser().parseFromString(text, 'text/html').querySelector('main');
      if (next) main.innerHTML = next.innerHTML;
    }).catch(function () {});
  }
  setInterval(refresh, seconds * 1000);
})();
`;
