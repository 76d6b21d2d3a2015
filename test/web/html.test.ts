import { describe, expect, it } from 'vitest';
import { Html, html } from '../../src/web/html.js';

describe('html', () => {
  it('escapes every value, keeps nested html, and drops null, undefined and false', () => {
    const label = `<img src=x onerror="alert('x')">&`;
    const inner = html`<b>${label}</b>`;
    expect(html`<p title="${label}">${inner}${null}${undefined}${false}${0}</p>`.toString()).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;"><b>&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;</b>0</p>',
    );
  });

  it('joins lists, escaping each item', () => {
    expect(html`<ul>${['<a>', html`<li>ok</li>`]}</ul>`.toString()).toBe('<ul>&lt;a&gt;<li>ok</li></ul>');
  });

  it('takes markup as it is only when declared trusted', () => {
    expect(html`${Html.trusted('<br>')}${'<br>'}`.toString()).toBe('<br>&lt;br&gt;');
  });
});
