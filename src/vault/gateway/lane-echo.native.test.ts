import { describe, expect, it } from 'vitest';
import { laneTesting } from '../../../test/support/lane-testing.js';
import { pick, seededRandom } from '../../../test/support/seeded-random.js';
import { echoForms } from './echo-forms.js';
import { EchoScanner } from './echo-scanner.js';

// The native echo scanner (native/tls-transport/lane-echo.cc) must be the JavaScript one's twin:
// the same bytes leave after every piece, not only the same body in the end, because what is held
// back decides whether an SSE event reaches the agent now or one piece later.

const lane = laneTesting();

interface Scan {
  out: string[];
  redacted: boolean;
}

/** What EchoScanner emits for each piece and for the end, as latin1 text for readable diffs. */
function jsScan(values: readonly string[], pieces: readonly Buffer[]): Scan {
  const scanner = new EchoScanner(echoForms(values));
  const out: string[] = [];
  const collect = (step: (emit: (b: Buffer) => void) => void): void => {
    const parts: Buffer[] = [];
    step((b) => parts.push(Buffer.from(b)));
    out.push(Buffer.concat(parts).toString('latin1'));
  };
  for (const piece of pieces) collect((emit) => scanner.feed(piece, emit));
  collect((emit) => scanner.end(emit));
  return { out, redacted: scanner.redacted };
}

function nativeScan(values: readonly string[], pieces: readonly Buffer[]): Scan {
  const { out, redacted } = lane.echoScan(echoForms(values).bytes, [...pieces]);
  return { out: out.map((b) => b.toString('latin1')), redacted };
}

/** Asserts both scanners agree piece by piece and returns what they gave. */
function same(values: readonly string[], pieces: readonly (string | Buffer)[]): Scan {
  const bufs = pieces.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p));
  const expected = jsScan(values, bufs);
  expect(nativeScan(values, bufs)).toEqual(expected);
  return expected;
}

const latin1 = (text: string): string => Buffer.from(text).toString('latin1');
/** A form overwritten at equal length: as many `*` as it has bytes. */
const stars = (text: string): string => '*'.repeat(Buffer.byteLength(text, 'latin1'));

const VALUE = 'sk-test/value+with?odd=chars~ü';
// 13 bytes: its base64 ends in '==', and the unpadded base64 is a form of its own.
const PADDED = 'secret-value1';
const PADDED_B64 = Buffer.from(PADDED).toString('base64');

describe('native echo scanner, hand-written cases', () => {
  it.each(echoForms([VALUE]).text.map((f) => [f]))('redacts the form %s in one piece', (form) => {
    const r = same([VALUE], [`{"echo":"${form}","n":1}`]);
    expect(r).toEqual({ out: [`{"echo":"${stars(form)}","n":1}`, ''], redacted: true });
  });

  it.each(echoForms([VALUE]).text.map((f) => [f]))('redacts %s split into two pieces at every byte', (form) => {
    const whole = Buffer.from(`a ${form} b`, 'latin1');
    for (let cut = 0; cut <= whole.length; cut++) {
      const r = same([VALUE], [whole.subarray(0, cut), whole.subarray(cut)]);
      expect(r.out.join('')).toBe(`a ${stars(form)} b`);
    }
  });

  it('redacts a value split into three pieces at every pair of bytes', () => {
    const whole = Buffer.from(`<${VALUE}>`);
    for (let i = 0; i <= whole.length; i++) {
      for (let j = i; j <= whole.length; j++) {
        const r = same([VALUE], [whole.subarray(0, i), whole.subarray(i, j), whole.subarray(j)]);
        expect(r.out.join('')).toBe(`<${'*'.repeat(whole.length - 2)}>`);
      }
    }
  });

  it('waits for the padding when base64 is split right before it', () => {
    expect(PADDED_B64.endsWith('==')).toBe(true);
    const bare = PADDED_B64.slice(0, -2);
    const r = same([PADDED], [`x ${bare}`, `== y`]);
    expect(r.out).toEqual(['x ', `${stars(PADDED_B64)} y`, '']);
    expect(same([PADDED], [`x ${bare}=`, `= y`]).out).toEqual(['x ', `${stars(PADDED_B64)} y`, '']);
    // The body ends before the padding: the bare form is still a form.
    expect(same([PADDED], [`x ${bare}`]).out).toEqual(['x ', stars(bare)]);
  });

  it('lets a form that cannot grow leave at once', () => {
    const bare = PADDED_B64.slice(0, -2);
    expect(same([PADDED], [`x ${bare}\n`]).out).toEqual([`x ${stars(bare)}\n`, '']);
  });

  it('redacts several values whose forms overlap, leftmost and longest first', () => {
    const values = ['tokenAAAA', 'tokenAAAAB', 'AAABtail'];
    const body = 'tokenAAAAB tokenAAAA tokenAAAABtail AAABtail tokenAAAAAABtail';
    const r = same(values, [body]);
    expect(r.out.join('')).toBe('********** ********* **********tail ******** *********AABtail');
    const whole = Buffer.from(body);
    for (let cut = 0; cut <= whole.length; cut++) {
      expect(same(values, [whole.subarray(0, cut), whole.subarray(cut)]).out.join('')).toBe(r.out.join(''));
    }
  });

  it('releases a held start that turns out not to be a form', () => {
    const r = same([VALUE], ['data: sk-te', 'xt more\n']);
    expect(r).toEqual({ out: ['data: ', 'sk-text more\n', ''], redacted: false });
    expect(same([VALUE], ['data: sk-te']).out).toEqual(['data: ', 'sk-te']);
  });

  it('holds back only the suffix that could start a form', () => {
    // 'sk-' also starts inside 'sk-sk-': only the last possible start is held.
    expect(same([VALUE], ['a sk-sk-t']).out).toEqual(['a sk-', 'sk-t']);
  });

  it('passes empty pieces through, with and without held bytes', () => {
    const r = same([VALUE], ['', 'a sk-', '', '', `${VALUE.slice(3)} b`, '']);
    expect(r.out).toEqual(['', 'a ', '', '', `${stars(VALUE)} b`, '', '']);
    expect(same([VALUE], []).out).toEqual(['']);
    expect(same([VALUE], ['', '']).out).toEqual(['', '', '']);
  });

  it('lets an SSE event leave at once, with or without a value in it', () => {
    const events = ['data: {"a":1}\n\n', `data: {"k":"${VALUE}"}\n\n`, `data: ${PADDED_B64.slice(0, -2)}\n\n`];
    const r = same([VALUE, PADDED], events);
    expect(r.out).toEqual(['data: {"a":1}\n\n', `data: {"k":"${stars(VALUE)}"}\n\n`, `data: ${stars(PADDED_B64.slice(0, -2))}\n\n`, '']);
  });

  it('finds a UTF-8 value split inside a multi-byte character', () => {
    const whole = Buffer.from(`«${VALUE}»`);
    for (let cut = 0; cut <= whole.length; cut++) {
      expect(same([VALUE], [whole.subarray(0, cut), whole.subarray(cut)]).out.join('')).toBe(latin1(`«${'*'.repeat(whole.length - 4)}»`));
    }
  });
});

// Values over a tiny alphabet, so their forms share starts with each other and with the filler,
// and bodies made of forms, their prefixes, near misses and filler from the forms' own bytes.
function randomValue(r: () => number): string {
  let v = '';
  for (let n = 4 + Math.floor(r() * 6); n > 0; n--) v += pick(r, ['a', 'b', 'a', '/', '?', 'ü']);
  return v;
}

function randomBody(r: () => number, forms: readonly string[]): string {
  const alphabet = [...new Set([...forms.join(''), '\n', ' '])];
  let body = '';
  for (let k = Math.floor(r() * 8); k > 0; k--) {
    const form = pick(r, forms);
    const roll = r();
    if (roll < 0.35) body += form;
    else if (roll < 0.6) body += form.slice(0, 1 + Math.floor(r() * (form.length - 1)));
    else if (roll < 0.8) {
      const at = Math.floor(r() * form.length);
      body += form.slice(0, at) + pick(r, alphabet) + form.slice(at + 1);
    }
    for (let n = Math.floor(r() * 5); n > 0; n--) body += pick(r, alphabet);
  }
  return body;
}

function randomPieces(r: () => number, body: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < body.length || r() < 0.2; ) {
    const n = Math.floor(r() * pick(r, [1, 3, 8, 40]));
    pieces.push(body.subarray(at, at + n));
    at += n;
  }
  return pieces;
}

describe('native echo scanner on generated bodies', () => {
  it('emits what EchoScanner emits after every piece (6,000 bodies)', () => {
    const r = seededRandom(20240611);
    let redacted = 0;
    let held = 0;
    for (let i = 0; i < 6_000; i++) {
      const values = Array.from({ length: 1 + Math.floor(r() * 3) }, () => randomValue(r));
      const body = Buffer.from(randomBody(r, echoForms(values).text), 'latin1');
      const pieces = randomPieces(r, body);
      const bufs = pieces.map((p) => Buffer.from(p));
      const expected = jsScan(values, bufs);
      expect(nativeScan(values, bufs), `body ${i}: ${JSON.stringify({ values, pieces: pieces.map(String) })}`).toEqual(
        expected,
      );
      // Equal length: every byte in leaves, in the end.
      expect(expected.out.join('').length).toBe(body.length);
      if (expected.redacted) redacted++;
      if (expected.out[pieces.length] !== '') held++;
    }
    // The generator must reach the redaction and the hold-back paths often.
    expect(redacted).toBeGreaterThan(3_000);
    expect(held).toBeGreaterThan(1_000);
  });
});
