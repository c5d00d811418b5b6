import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decoderFor, redactHeaderList } from './echo-redactor.js';
import { echoForms } from './echo-forms.js';
import { EchoScanner } from './echo-scanner.js';

const VALUE = 'sk-test/value+with?odd=chars~ü';
const forms = echoForms([VALUE]);
/** A form (latin1 text) overwritten at equal length. */
const stars = (form: string): string => '*'.repeat(form.length);

/** The pieces through one scanner, as a response body's chunks go. */
function run(chunks: string[]): { text: string; redacted: boolean } {
  const scanner = new EchoScanner(forms);
  const out: Buffer[] = [];
  for (const c of chunks) scanner.feed(Buffer.from(c, 'latin1'), (b) => out.push(b));
  scanner.end((b) => out.push(b));
  return { text: Buffer.concat(out).toString('latin1'), redacted: scanner.redacted };
}

describe('EchoScanner over a body\'s chunks', () => {
  it.each(forms.text.map((f) => [f]))('redacts the form %s in one chunk', (form) => {
    const { text, redacted } = run([`{"echo":"${form}","n":1}`]);
    expect(text).toBe(`{"echo":"${stars(form)}","n":1}`);
    expect(redacted).toBe(true);
  });

  it.each(forms.text.map((f) => [f]))('redacts %s split at every position', (form) => {
    for (let cut = 1; cut < form.length; cut++) {
      const { text } = run([`a ${form.slice(0, cut)}`, `${form.slice(cut)} b`]);
      expect(text).toBe(`a ${stars(form)} b`);
    }
  });

  it('redacts a form split across three chunks and repeated occurrences', () => {
    const raw = VALUE;
    const { text } = run([raw.slice(0, 3), raw.slice(3, 6), raw.slice(6) + raw + '!']);
    expect(text).toBe(`${stars(raw)}${stars(raw)}!`);
  });

  it('holds nothing back when the chunk cannot start a form (SSE stays live)', () => {
    const scanner = new EchoScanner(forms);
    const seen: string[] = [];
    scanner.feed(Buffer.from('data: {"a":1}\n\n'), (c) => seen.push(c.toString()));
    expect(seen.join('')).toBe('data: {"a":1}\n\n');
  });

  it('holds back only a possible prefix and releases it at the end', () => {
    const { text, redacted } = run(['data: sk-te']);
    expect(text).toBe('data: sk-te');
    expect(redacted).toBe(false);
  });
});

describe('EchoScanner', () => {
  it('passes a chunk without any form through as the same buffer', () => {
    const scanner = new EchoScanner(forms);
    const chunk = Buffer.from('{"ok":true}\n');
    const out: Buffer[] = [];
    scanner.feed(chunk, (b) => out.push(b));
    expect(out).toEqual([chunk]);
    expect(out[0]).toBe(chunk);
  });
});

describe('redactHeaderList', () => {
  it('redacts every value of a flat header list, and returns the same list when nothing matched', () => {
    const b64 = Buffer.from(VALUE).toString('base64');
    const list = ['X-Echo', `Bearer ${VALUE}`, 'Set-Cookie', 'a=1', 'Set-Cookie', `t=${b64}`, 'X-Ok', 'fine'];
    const { headers, redacted } = redactHeaderList(list, forms);
    expect(headers).toEqual(['X-Echo', 'Bearer [REDACTED]', 'Set-Cookie', 'a=1', 'Set-Cookie', 't=[REDACTED]', 'X-Ok', 'fine']);
    expect(redacted).toBe(true);
    const clean = ['X-Ok', 'fine'];
    expect(redactHeaderList(clean, forms)).toEqual({ headers: clean, redacted: false });
  });
});

describe('content helpers', () => {
  it('undoes gzip and refuses unknown codings', async () => {
    const dec = decoderFor('gzip');
    expect(dec).toBeTruthy();
    const out = await buffer(Readable.from([gzipSync('hello')]).pipe(dec!));
    expect(out.toString()).toBe('hello');
    expect(decoderFor('identity')).toBeNull();
    expect(decoderFor('compress')).toBeUndefined();
  });
});
