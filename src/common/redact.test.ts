import { describe, expect, it } from 'vitest';
import { encodedForms, REDACTED, Redactor } from './redact.js';

describe('Redactor', () => {
  it('removes registered values in every wire encoding', () => {
    const r = new Redactor();
    const value = 'my secret/value+=?';
    r.add(value);
    for (const form of encodedForms(value)) {
      expect(r.redact(`before ${form} after`)).toBe(`before ${REDACTED} after`);
    }
    expect(r.redact('nothing here')).toBe('nothing here');
  });

  it('redacts credential-shaped tokens it was never told about', () => {
    const r = new Redactor();
    // Shaped like credentials, made at run time so no token-like literal sits in the source.
    const line = `key=${['sk-ant-api03', 'b'.repeat(12)].join('-')} gh=${['ghp', 'c'.repeat(24)].join('_')} agent=aoc_${'a'.repeat(64)}`;
    const out = r.redact(line);
    expect(out).not.toMatch(/sk-ant-api03|ghp_c|aoc_a/);
    expect(out.split(REDACTED)).toHaveLength(4);
  });

  it('prefers the longest match so no fragment of a value survives', () => {
    const r = new Redactor();
    r.add('abcd');
    r.add('abcdefgh-long');
    expect(r.redact('x abcdefgh-long y')).toBe(`x ${REDACTED} y`);
  });

  it('ignores values too short to redact safely', () => {
    const r = new Redactor();
    r.add('ab');
    r.add('');
    r.add(undefined);
    expect(r.size).toBe(0);
    expect(r.redact('ab')).toBe('ab');
  });
});
