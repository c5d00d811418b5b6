import { describe, expect, it } from 'vitest';
import { PATH_SEGMENTS, spellPath } from '../../../test/support/path-spellings.js';
import { pick, seededRandom } from '../../../test/support/seeded-random.js';
import { pathMatches, pathMatchesAny } from './path-pattern.js';

// A restriction must see through every way of spelling a path; a grant must never see more than
// the canonical path. Generated: a canonical path, then a request path an upstream would route
// to it (test/support/path-spellings.ts).

const RULES = ['/admin/*', '/admin', '/v1/*/users', '/v1/*', '/repos/*', '/*', '/x/admin/*'];

function cases(seed: number, count: number): { canonical: string; request: string }[] {
  const r = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const segments = Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(r, PATH_SEGMENTS));
    return { canonical: '/' + segments.join('/'), request: spellPath(r, segments) + (r() < 0.2 ? '?q=%2e%2e' : '') };
  });
}

describe('path readings, generated', () => {
  it('a restriction matching the canonical path matches every spelling of it', () => {
    let matched = 0;
    for (const { canonical, request } of cases(0x5eed14, 4000)) {
      for (const rule of RULES) {
        if (!pathMatchesAny(rule, canonical)) continue;
        matched++;
        expect(pathMatchesAny(rule, request), `${rule} vs ${request} (canonical ${canonical})`).toBe(true);
      }
    }
    expect(matched).toBeGreaterThan(1000);
  });

  it('a grant never matches a spelling unless it matches the canonical path', () => {
    let granted = 0;
    for (const { canonical, request } of cases(0x9a17, 4000)) {
      for (const rule of RULES) {
        if (!pathMatches(rule, request)) continue;
        granted++;
        expect(pathMatches(rule, canonical), `${rule} vs ${request}`).toBe(true);
      }
    }
    expect(granted).toBeGreaterThan(1000);
  });
});
