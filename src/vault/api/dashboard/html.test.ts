import { describe, expect, it } from 'vitest';
import { escapeHtml, html, SafeHtml } from './html.js';

describe('escapeHtml', () => {
  it('escapes every character that can end text or a quoted attribute', () => {
    expect(escapeHtml(`<script>alert("x" & 'y')</script>\``)).toBe(
      '&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;&#96;',
    );
  });

  it('leaves plain text alone', () => {
    expect(escapeHtml('api.github.com/v1/*')).toBe('api.github.com/v1/*');
  });
});

describe('html template', () => {
  it('escapes interpolated strings but keeps the literal markup', () => {
    const name = '"><img src=x onerror=alert(1)>';
    const out = html`<input value="${name}"><b>${name}</b>`.value;
    expect(out).not.toContain('<img');
    expect(out).toBe('<input value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"><b>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</b>');
  });

  it('nests SafeHtml without double escaping and joins arrays', () => {
    const items = ['a<b', 'c&d'].map((s) => html`<li>${s}</li>`);
    expect(html`<ul>${items}</ul>`.value).toBe('<ul><li>a&lt;b</li><li>c&amp;d</li></ul>');
  });

  it('drops null, undefined and false, and prints numbers', () => {
    expect(html`${null}${undefined}${false}${0}${true}`.value).toBe('0true');
  });

  it('does not trust a string that merely looks like markup', () => {
    expect(html`${'<b>x</b>'}`.value).toBe('&lt;b&gt;x&lt;/b&gt;');
    expect(html`${new SafeHtml('<b>x</b>')}`.value).toBe('<b>x</b>');
  });
});
