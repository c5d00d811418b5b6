import { describe, expect, it } from 'vitest';
import { NanoclawError } from '../common/errors.js';
import { nodeText } from './env-document.js';
import { formatEnvValue, parseEnvFile, removeEnvKeys, serializeEnvFile, setEnvValue } from './env-file.js';
import { pick, seededRandom as prng } from '../../test/support/seeded-random.js';

const KEYS = ['A', 'KEY', 'GITHUB_TOKEN', 'ONECLI_API_KEY'];
const TOKENS = [...KEYS, 'export ', '=', '=', ' ', '\t', '#', "'", '"', '`', '\\', '\n', '\n', '\r\n', '\r', 'x', 'é', '\uFEFF', '$', '\\n', '\\"', '\0', '✓'];

function randomText(rng: () => number, maxLength: number): string {
  const length = Math.floor(rng() * maxLength);
  let out = '';
  const mode = rng();
  for (let i = 0; i < length; i++) {
    if (mode < 0.2) out += String.fromCharCode(Math.floor(rng() * 256)); // random bytes, as latin1
    else if (mode < 0.6) out += pick(rng, TOKENS);
    else out += rng() < 0.3 ? `\n${pick(rng, KEYS)}=` : pick(rng, TOKENS); // assignment-shaped lines
  }
  return out;
}

const pairs = (text: string) => parseEnvFile(text).entries().map((e) => [e.key, e.value]);
const linesOf = (text: string) => text.replace(/^\uFEFF/, '').split(/(?<=\n)/).filter((l) => l !== '');

function isSubsequence(small: string[], big: string[]): boolean {
  let j = 0;
  for (const line of small) {
    while (j < big.length && big[j] !== line) j++;
    if (j++ >= big.length) return false;
  }
  return true;
}

describe('env-file fuzz (seeded)', () => {
  const rng = prng(0x5eed);
  const cases = Array.from({ length: 3000 }, () => randomText(rng, 80));

  it('serializes any text back to the same bytes', () => {
    for (const text of cases) {
      const doc = parseEnvFile(text);
      expect(serializeEnvFile(doc)).toBe(text);
      const lines = text.split('\n').length;
      for (const w of doc.warnings) expect(w.line >= 1 && w.line <= lines).toBe(true);
    }
  });

  it('sets a value that reads back, changing no other byte and no other value', () => {
    let refused = 0;
    for (const text of cases) {
      const key = pick(rng, KEYS);
      const value = randomText(rng, 12);
      const doc = parseEnvFile(text);
      const texts = doc.nodes.map(nodeText);
      const index = doc.nodes.findLastIndex((n) => n.kind === 'entry' && n.key === key);
      try {
        setEnvValue(doc, key, value);
      } catch (err) {
        expect(err).toBeInstanceOf(NanoclawError);
        expect((err as NanoclawError).code).toBe('env_edit_unsafe');
        expect(serializeEnvFile(doc)).toBe(text);
        refused++;
        continue;
      }
      const out = serializeEnvFile(doc);
      const expected = pairs(text).map(([k, v], i, all) => {
        const isLast = k === key && all.findLastIndex(([k2]) => k2 === key) === i;
        return isLast ? [k, value] : [k, v];
      });
      if (index === -1) {
        expected.push([key, value]);
        // The old bytes stay, followed by a line ending when the file lacked a final one.
        expect(out.startsWith(text)).toBe(true);
        if (text !== '' && !text.endsWith('\n')) expect(out.slice(text.length)).toMatch(/^\r?\n/);
      } else {
        expect(out.startsWith(texts.slice(0, index).join(''))).toBe(true);
        expect(out.endsWith(texts.slice(index + 1).join(''))).toBe(true);
      }
      expect(pairs(out)).toEqual(expected);
    }
    // Refusals only come from unclosed quotes; most random edits must go through.
    expect(refused).toBeLessThan(cases.length / 4);
  });

  it('removes keys, keeping every other line byte for byte', () => {
    for (const text of cases) {
      const drop = KEYS.filter(() => rng() < 0.5);
      const doc = parseEnvFile(text);
      removeEnvKeys(doc, drop);
      const out = serializeEnvFile(doc);
      expect(pairs(out)).toEqual(pairs(text).filter(([k]) => !drop.includes(k ?? '')));
      expect(isSubsequence(linesOf(out), linesOf(text))).toBe(true);
      expect(out.startsWith('\uFEFF')).toBe(text.startsWith('\uFEFF'));
    }
  });

  it('formats any value so that it reads back exactly, whatever the preferred quotes', () => {
    for (let i = 0; i < 2000; i++) {
      const value = randomText(rng, 16);
      for (const preferred of ['none', 'single', 'double', 'backtick'] as const) {
        const { valueRaw } = formatEnvValue(value, preferred);
        expect(parseEnvFile(`K=${valueRaw}\nNEXT=1\n`).toRecord()).toEqual({ K: value, NEXT: '1' });
      }
    }
  });
});
