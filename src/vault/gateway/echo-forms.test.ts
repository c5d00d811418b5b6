import { describe, expect, it } from 'vitest';
import { pick, seededRandom } from '../../../test/support/seeded-random.js';
import { echoForms } from './echo-forms.js';

const contains = (forms: ReturnType<typeof echoForms>, hay: Buffer): boolean => forms.bytes.some((f) => hay.includes(f));

describe('echoForms', () => {
  it('lists distinct forms longest first, bytes being the latin1 text', () => {
    const forms = echoForms(['sk-test/value+with?odd=chars~ü']);
    const lengths = forms.text.map((f) => f.length);
    expect(lengths).toEqual([...lengths].sort((a, b) => b - a));
    expect(new Set(forms.text).size).toBe(forms.text.length);
    expect(forms.bytes.map((b) => b.toString('latin1'))).toEqual(forms.text);
    expect(forms.text.every((f) => f.length >= 4)).toBe(true);
    // The scanners look for `search` first: every form must contain one of them.
    expect(forms.search.length).toBeLessThan(forms.bytes.length);
    for (const f of forms.bytes) expect(forms.search.some((s) => f.includes(s))).toBe(true);
  });

  it('catches the value base64-encoded inside anything, at every alignment (generated)', () => {
    const r = seededRandom(1414);
    for (let i = 0; i < 2_000; i++) {
      const value = Array.from({ length: 4 + Math.floor(r() * 40) }, () => pick(r, [...'abcXYZ019+/=-_~ üé€?&'])).join('');
      const forms = echoForms([value]);
      const around = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));
      const bytes = pick(r, [Buffer.from(value, 'utf8'), Buffer.from(value, 'latin1')]);
      const whole = Buffer.concat([around(Math.floor(r() * 7)), bytes, around(Math.floor(r() * 7))]);
      for (const encoding of ['base64', 'base64url'] as const) {
        expect(contains(forms, Buffer.from(whole.toString(encoding))), `${JSON.stringify(value)} ${encoding}`).toBe(true);
      }
      expect(contains(forms, Buffer.from(Buffer.from(`x:${value}`).toString('base64')))).toBe(true);
      expect(contains(forms, Buffer.from(encodeURIComponent(value)))).toBe(true);
      expect(contains(forms, Buffer.from(new URLSearchParams({ k: value }).toString().slice(2)))).toBe(true);
      expect(contains(forms, Buffer.from(encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())))).toBe(true);
      expect(contains(forms, bytes)).toBe(true);
    }
  });

  it('holds the exact field the gateway wrote: a rebuilt Basic pair, its base64 and the pair', () => {
    const pair = 'user:sk-1234567890';
    const token = Buffer.from(pair).toString('base64');
    const forms = echoForms(['sk-1234567890'], [`Basic ${token}`]);
    expect(forms.text).toContain(`Basic ${token}`);
    expect(forms.text).toContain(token);
    expect(forms.text).toContain(pair);
    expect(forms.text).toContain(Buffer.from(token).toString('base64'));
  });

  it('matches a value past latin1 in the bytes a head write sends, and in UTF-8', () => {
    const value = 'key-Ā€-1234';
    const forms = echoForms([value]);
    expect(contains(forms, Buffer.from(`x ${value} y`, 'latin1'))).toBe(true);
    expect(contains(forms, Buffer.from(`x ${value} y`, 'utf8'))).toBe(true);
  });
});
