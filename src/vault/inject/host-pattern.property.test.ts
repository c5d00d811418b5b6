import { describe, expect, it } from 'vitest';
import { mostly, pick, seededRandom } from '../../../test/support/seeded-random.js';
import { hostMatches, isValidHost, normalizeHost } from './host-pattern.js';

// hostMatches decides where a credential may go. Against a label-by-label oracle, on patterns
// and hosts generated to sit next to each other: subdomains, the apex, a label that merely ends
// with the pattern's, the pattern followed by more labels, case and trailing-dot variants.

function oracle(pattern: string, host: string): boolean {
  const h = normalizeHost(host);
  if (!isValidHost(h)) return false;
  const hostLabels = h.split('.');
  const p = normalizeHost(pattern);
  if (!p.startsWith('*.') && !p.startsWith('.')) return p === h;
  const suffix = p.slice(p.indexOf('.') + 1).split('.');
  if (!isValidHost(suffix.join('.')) || /^[\d.]+$/.test(h) || h.includes(':')) return false;
  const apexToo = !p.startsWith('*');
  if (hostLabels.length < suffix.length || (hostLabels.length === suffix.length && !apexToo)) return false;
  return suffix.every((label, i) => hostLabels[hostLabels.length - suffix.length + i] === label);
}

const label = (r: () => number): string => pick(r, ['api', 'github', 'com', 'evil', 'x', 'a-b', 'b', 'api2', 'c_d', 'g', 'hub', 'ithub']);

function variant(r: () => number, base: string): string {
  switch (Math.floor(r() * 9)) {
    case 0: return base;
    case 1: return `${label(r)}.${base}`;
    case 2: return `${label(r)}.${label(r)}.${base}`;
    case 3: return `${label(r)}${base}`; // "evilgithub.com"
    case 4: return `${label(r)}-${base}`;
    case 5: return `${base}.${label(r)}`;
    case 6: return base.toUpperCase();
    case 7: return `${base}.`;
    default: return base.split('.').slice(1).join('.'); // the parent, or the apex of a wildcard
  }
}

describe('hostMatches on generated neighbours', () => {
  it('agrees with a label-by-label match for 20,000 pattern and host pairs', () => {
    const r = seededRandom(11);
    let matched = 0;
    for (let i = 0; i < 20_000; i++) {
      const base = Array.from({ length: 2 + Math.floor(r() * 2) }, () => label(r)).join('.');
      const pattern = mostly(r, [base, `*.${base}`, `*.${base}.`, `.${base}`, base.toUpperCase()]);
      const host = variant(r, base);
      const got = hostMatches(pattern, host);
      expect(got, `${pattern} vs ${host}`).toBe(oracle(pattern, host));
      if (got) matched++;
    }
    expect(matched).toBeGreaterThan(3_000);
  });
});
