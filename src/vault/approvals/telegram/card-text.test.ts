import { describe, expect, it } from 'vitest';
import type { Approval } from '../../model/approvals.js';
import { escapeHtml, outcomeLabel, renderCard, TELEGRAM_TEXT_LIMIT, visibleLength } from './card-text.js';

const approval = (over: Partial<Approval> = {}): Approval => ({
  id: 'apr_0123456789abcdef01234567',
  kind: 'request',
  agentId: 'agt_1',
  agentIdentifier: 'main',
  secretId: 'sec_1',
  secretName: 'Stripe live',
  ruleId: 'rul_1',
  method: 'POST',
  host: 'api.stripe.test',
  path: '/v1/charges',
  headers: {},
  bodyPreview: 'amount=500&currency=eur',
  bodyDigest: 'd'.repeat(64),
  bodySeen: 0,
  bodyUnseen: 0,
  status: 'pending',
  reason: null,
  routedTo: 'apv_1',
  decidedBy: null,
  createdAt: '2030-01-01T10:00:00.000Z',
  expiresAt: '2030-01-01T10:03:00.000Z',
  decidedAt: null,
  ...over,
});

describe('renderCard', () => {
  it('shows agent, METHOD host/path, secret, expiry and the escaped preview', () => {
    const html = renderCard(approval({ bodyPreview: '<b>x</b> & "y"' }), { heading: '🔐 Credentials Request', now: new Date('2030-01-01T10:00:00Z') });
    expect(html).toContain('<b>🔐 Credentials Request</b>');
    expect(html).toContain('Agent: <b>main</b>');
    expect(html).toContain('<code>POST api.stripe.test/v1/charges</code>');
    expect(html).toContain('Secret: Stripe live');
    expect(html).toContain('Expires: 10:03:00 UTC (in 3 min)');
    expect(html).toContain('<pre>&lt;b&gt;x&lt;/b&gt; &amp; "y"</pre>');
    expect(html).toContain('apr_0123456789abcdef01234567');
  });

  it('leaves out the expiry once settled', () => {
    const html = renderCard(approval({ status: 'approved' }), { heading: '✅ Approved' });
    expect(html.startsWith('<b>✅ Approved</b>')).toBe(true);
    expect(html).not.toContain('Expires');
    expect(html).toContain('POST api.stripe.test/v1/charges');
  });

  it('cuts a preview that would pass 4096 visible characters, counting escapes as one', () => {
    const preview = '<&>'.repeat(1365) + 'z'; // 4096 bytes; escaped it is 12k characters of markup
    const html = renderCard(approval({ bodyPreview: preview }), { heading: 'h', now: new Date(0) });
    expect(visibleLength(html)).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(visibleLength(html)).toBeGreaterThan(TELEGRAM_TEXT_LIMIT - 5);
    expect(html).toMatch(/… \([\d,]+ more bytes\)<\/pre>/);
    expect(html).not.toMatch(/&(?!lt;|gt;|amp;)/); // no entity cut in half
  });

  it('never leaves half a surrogate pair when cutting', () => {
    const html = renderCard(approval({ bodyPreview: '😀'.repeat(2048) }), { heading: 'h' });
    expect(visibleLength(html)).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(html).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('shows the headers and says how much of the body goes unseen, also when the preview is cut', () => {
    const headers = { 'content-type': 'application/json', 'x-note': '<i>' };
    const html = renderCard(approval({ headers, bodyPreview: 'x'.repeat(65_536), bodySeen: 65_536, bodyUnseen: 1234 }), { heading: 'h' });
    expect(visibleLength(html)).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(html).toContain('Headers:\n<pre>content-type: application/json\nx-note: &lt;i&gt;</pre>');
    expect(html).toMatch(/x… \(6\d,\d{3} more bytes\)<\/pre>/);
    expect(html).toContain('⚠ Only the first 65,536 bytes of the body are shown; 1,234 more bytes are sent unseen.');
  });

  it('marks a long path as cut, with the bytes left off', () => {
    const html = renderCard(approval({ path: `/v1/${'p'.repeat(3000)}` }), { heading: 'h' });
    expect(html).toMatch(/p… \(2,\d{3} more bytes\)<\/code>/);
  });

  it('keeps a short card untouched and marks an empty body', () => {
    expect(renderCard(approval({ bodyPreview: '' }), { heading: 'h' })).toContain('Body: (empty)');
    expect(visibleLength('<b>a&amp;b</b>')).toBe(3);
    expect(escapeHtml('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
  });
});

describe('outcomeLabel', () => {
  it('names each ending as the issue spells it', () => {
    expect(outcomeLabel({ status: 'approved', reason: null })).toBe('✅ Approved');
    expect(outcomeLabel({ status: 'rejected', reason: 'no' })).toBe('❌ Rejected');
    expect(outcomeLabel({ status: 'expired', reason: 'expired (no response)' })).toBe('Expired (no response)');
    expect(outcomeLabel({ status: 'expired', reason: 'expired (host restarted)' })).toBe('Expired (host restarted)');
    expect(outcomeLabel({ status: 'cancelled', reason: 'client disconnected' })).toBe('Cancelled (client disconnected)');
    expect(outcomeLabel({ status: 'pending', reason: null })).toBe('🔐 Credentials Request');
  });
});
