import { describe, expect, it } from 'vitest';
import { Redactor } from '../../common/redact.js';
import { PREVIEW_LIMIT } from '../model/approvals.js';
import { approvalDigest, approvalHeaders, approvalTarget, bodyExtent, bodyPreview, declaredLength, hasBody } from './approval-hold-request.js';
import { echoForms } from './echo-forms.js';

const SECRET = 'prod-db-password-0123456789';
// Credential-shaped, made at run time so no token-like literal sits in the source.
const SHAPED = ['ghp', 'x'.repeat(30)].join('_');

function redactorKnowing(...values: string[]): (text: string) => string {
  const r = new Redactor();
  for (const v of values) r.add(v);
  return (text) => r.redact(text);
}

const preview = (text: string | Buffer, o: { complete?: boolean; encoding?: string } = {}) => {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  return bodyPreview({
    bytes,
    complete: o.complete ?? true,
    contentEncoding: o.encoding,
    redact: redactorKnowing(SECRET),
    forms: echoForms([SECRET]),
  });
};

describe('approvalHeaders', () => {
  it('shows headers named like prototype properties, each once, as sent', () => {
    const headers = JSON.parse('{"__proto__":"p","constructor":"c","tostring":"t"}') as Record<string, string>;
    const shown = approvalHeaders(headers, { redact: (t) => t });
    expect(Object.entries(shown)).toEqual([['__proto__', 'p'], ['constructor', 'c'], ['tostring', 't']]);
    expect(JSON.parse(JSON.stringify(shown))).toEqual(headers);
  });

  it('removes credential headers, the placeholder and known secret values, keeping the rest', () => {
    const shown = approvalHeaders(
      {
        authorization: 'Bearer onecli-managed',
        'proxy-authorization': 'Basic eDphb2NfMTIz',
        cookie: 'session=abc',
        'x-api-key': 'whatever',
        'x-custom-token': 'Token ONECLI-MANAGED',
        'x-leak': `pw=${SECRET}`,
        'x-shaped': SHAPED,
        'x-injected-here': 'plain',
        'content-type': 'application/json',
        accept: ['a/b', 'c/d'] as unknown as string,
      },
      { redact: redactorKnowing(SECRET), hide: ['X-Injected-Here'] },
    );
    expect(shown).toEqual({ 'content-type': 'application/json', accept: 'a/b, c/d' });
  });
});

describe('declaredLength / hasBody', () => {
  it('names the framing the digest binds to', () => {
    expect(declaredLength({ 'content-length': '12' })).toBe('12');
    expect(declaredLength({ 'transfer-encoding': 'chunked' })).toBe('chunked');
    expect(declaredLength({})).toBe('0');
    expect(hasBody({})).toBe(false);
    expect(hasBody({ 'content-length': '0' })).toBe(false);
    expect(hasBody({ 'content-length': '3' })).toBe(true);
  });
});

describe('approvalDigest', () => {
  const base = { method: 'POST', host: 'api.example.com', path: '/v1/charge', declared: '5', preview: Buffer.from('hello') };
  it('is SHA-256 hex and differs when any bound field differs', () => {
    const d = approvalDigest(base);
    expect(d).toMatch(/^[0-9a-f]{64}$/);
    expect(approvalDigest({ ...base })).toBe(d);
    for (const change of [
      { method: 'PUT' },
      { host: 'api.example.org' },
      { path: '/v1/charge?x=1' },
      { declared: '6' },
      { preview: Buffer.from('hellO') },
    ]) {
      expect(approvalDigest({ ...base, ...change })).not.toBe(d);
    }
  });
});

describe('bodyPreview', () => {
  it('shows a short text body whole, with the secret redacted', () => {
    expect(preview(`{"password":"${SECRET}","amount":5}`)).toBe('{"password":"[REDACTED]","amount":5}');
  });

  it('redacts encoded forms and credential-shaped tokens too', () => {
    const b64 = Buffer.from(SECRET).toString('base64');
    const out = preview(`a=${encodeURIComponent(SECRET)}&b=${b64}&c=${['sk-ant-api03', 'd'.repeat(16)].join('-')}`);
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain(b64);
    expect(out).not.toContain('sk-ant-api03');
    expect(out.match(/\[REDACTED\]/g)).toHaveLength(3);
  });

  it('keeps the first PREVIEW_LIMIT bytes of a long body (the card says how many more go unseen)', () => {
    const out = preview('x'.repeat(PREVIEW_LIMIT + 5000), { complete: false });
    expect(out).toBe('x'.repeat(PREVIEW_LIMIT));
  });

  it('marks a cut made because redaction lengthened the text', () => {
    const short = 'q7z4'; // shorter than [REDACTED]
    const bytes = Buffer.from(short.repeat(PREVIEW_LIMIT / 4));
    const out = bodyPreview({ bytes, complete: true, redact: redactorKnowing(short), forms: echoForms([short]) });
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(PREVIEW_LIMIT);
    expect(out).toMatch(/… \([\d,]+ more bytes\)$/);
  });

  it('never shows the start of a secret cut off by the limit', () => {
    const body = 'y'.repeat(PREVIEW_LIMIT - 10) + SECRET + 'z'.repeat(100);
    const out = preview(body, { complete: false });
    expect(out).not.toContain(SECRET.slice(0, 10));
    expect(out).toBe('y'.repeat(PREVIEW_LIMIT - 10));
  });

  it('does not split a multi-byte character at the limit', () => {
    const out = preview('é'.repeat(PREVIEW_LIMIT), { complete: false });
    expect(out).not.toContain('\uFFFD');
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(PREVIEW_LIMIT);
  });

  it('summarises binary and compressed bodies instead of showing them', () => {
    expect(preview(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0xff]))).toBe('[binary, 7 bytes]');
    expect(preview('plain text', { encoding: 'gzip' })).toBe('[binary, 10 bytes, gzip]');
    expect(preview(Buffer.alloc(PREVIEW_LIMIT + 5, 0), { complete: false })).toBe(`[binary, ${PREVIEW_LIMIT} bytes]`);
  });

  it('an empty body previews as empty', () => {
    expect(preview('')).toBe('');
  });
});

describe('bodyExtent', () => {
  const body = (n: number, complete: boolean) => ({ bytes: Buffer.alloc(n, 'a'), complete });
  it('counts the bytes shown and those that go unseen', () => {
    expect(bodyExtent(body(12, true), '12')).toEqual({ seen: 12, unseen: 0 });
    expect(bodyExtent(body(PREVIEW_LIMIT + 10, false), String(PREVIEW_LIMIT + 1234))).toEqual({ seen: PREVIEW_LIMIT, unseen: 1234 });
    // A body that stalled after 100 of 300 declared bytes: 200 unseen.
    expect(bodyExtent(body(100, false), '300')).toEqual({ seen: 100, unseen: 200 });
    expect(bodyExtent(body(100, true), 'chunked')).toEqual({ seen: 100, unseen: 0 });
    expect(bodyExtent(body(PREVIEW_LIMIT + 1, false), 'chunked')).toEqual({ seen: PREVIEW_LIMIT, unseen: null });
  });
});

describe('approvalTarget', () => {
  const redact = redactorKnowing(SECRET);
  it('normalises the path and keeps the query, with secret values redacted', () => {
    expect(approvalTarget('/v1//charges/./x/../ch_1?amount=5&expand[]=a', { redact })).toBe('/v1/charges/ch_1?amount=5&expand[]=a');
    expect(approvalTarget(`/v1/x?key=${encodeURIComponent(SECRET)}&pw=${SECRET}&t=onecli-managed&flag`, { redact })).toBe(
      '/v1/x?key=[REDACTED]&pw=[REDACTED]&t=[REDACTED]&flag',
    );
    expect(approvalTarget('/v1/x?api_key=agent-sent&b=1#frag', { redact, hide: ['api_key'] })).toBe('/v1/x?api_key=[REDACTED]&b=1');
    expect(approvalTarget('/v1/%2e%2e/admin?', { redact })).toBe('/v1/%2e%2e/admin?');
  });
});
