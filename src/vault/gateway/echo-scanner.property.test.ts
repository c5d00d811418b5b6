import { describe, expect, it } from 'vitest';
import { mostly, pick, seededRandom } from '../../../test/support/seeded-random.js';
import { echoForms } from './echo-forms.js';
import { EchoScanner } from './echo-scanner.js';

// However a body is cut into chunks, the scanner's output must be what redacting the whole body
// at once gives: every form of the value overwritten at equal length (leftmost, longest), nothing
// else changed, so the body keeps its length.
// Bodies mix the value's forms with near misses (prefixes, one character off) and filler that
// shares their alphabet, so chunk boundaries fall inside forms and inside false starts.

/** Redaction of a whole body: at each step the leftmost occurrence, the longest form there. */
function redactWhole(body: string, forms: readonly string[]): string {
  let out = '';
  let pos = 0;
  for (;;) {
    let best = -1;
    let len = 0;
    for (const f of forms) {
      const i = body.indexOf(f, pos);
      if (i !== -1 && (best === -1 || i < best || (i === best && f.length > len))) {
        best = i;
        len = f.length;
      }
    }
    if (best === -1) return out + body.slice(pos);
    out += body.slice(pos, best) + '*'.repeat(len);
    pos = best + len;
  }
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=_-%\n :"{}';

function randomValue(r: () => number): string {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let v = pick(r, ['ghp_', 'sk-ant-oat01-', 'xoxb-', 'AKIA', 'key/with+odd=chars&', '']);
  const n = 8 + Math.floor(r() * 30);
  for (let i = 0; i < n; i++) v += pick(r, [...chars]);
  return v;
}

function filler(r: () => number): string {
  let s = '';
  const n = Math.floor(r() * 12);
  for (let i = 0; i < n; i++) s += pick(r, [...ALPHABET]);
  return s;
}

function nearMiss(r: () => number, form: string): string {
  const cut = 1 + Math.floor(r() * (form.length - 1));
  if (r() < 0.5) return form.slice(0, cut);
  const swapped = form[cut] === 'x' ? 'y' : 'x';
  return form.slice(0, cut) + swapped + form.slice(cut + 1);
}

function chunksOf(r: () => number, body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < body.length; ) {
    const n = 1 + Math.floor(r() * mostly(r, [7, 1, 3, 64]));
    out.push(body.subarray(at, at + n));
    at += n;
  }
  return out;
}

describe('EchoScanner on generated bodies', () => {
  it('redacts exactly what whole-body redaction does, however the body is chunked (3,000 bodies)', () => {
    const r = seededRandom(424242);
    let withForms = 0;
    for (let i = 0; i < 3_000; i++) {
      const value = randomValue(r);
      const forms = echoForms([value]);
      let body = '';
      let inserted = 0;
      for (let k = Math.floor(r() * 6); k > 0; k--) {
        const form = pick(r, forms.text);
        const roll = r();
        if (roll < 0.4) {
          body += form;
          inserted++;
        } else if (roll < 0.8) body += nearMiss(r, form);
        body += filler(r);
      }
      const whole = Buffer.from(body, 'latin1');
      const scanner = new EchoScanner(forms);
      const out: Buffer[] = [];
      for (const chunk of chunksOf(r, whole)) scanner.feed(chunk, (b) => out.push(Buffer.from(b)));
      scanner.end((b) => out.push(Buffer.from(b)));
      const text = Buffer.concat(out).toString('latin1');
      const expected = redactWhole(body, forms.text);
      expect(text, `body ${i}: ${JSON.stringify(body)}`).toBe(expected);
      expect(text.length).toBe(body.length);
      for (const f of forms.text) expect(text.includes(f), `body ${i} still holds a form`).toBe(false);
      expect(scanner.redacted).toBe(expected !== body);
      if (inserted > 0) withForms++;
    }
    expect(withForms).toBeGreaterThan(1_000);
  });
});
