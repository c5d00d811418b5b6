import { pick } from './seeded-random.js';

/**
 * Request paths an upstream would route to a given canonical path, spelled with random
 * percent-encoding (either hex case, sometimes double-encoded), dot segments (plain or encoded),
 * detours (`x/..`) and extra slashes. For tests of policy matching on generated inputs.
 */

type Rand = () => number;
export const PATH_SEGMENTS = ['admin', 'v1', 'users', 'x', 'a.b', 'repos', '~t', 'a-b_c'] as const;

function hex(r: Rand, ch: string): string {
  const h = ch.charCodeAt(0).toString(16).padStart(2, '0');
  const cased = r() < 0.5 ? h : h.toUpperCase();
  return r() < 0.2 ? `%25${cased}` : `%${cased}`;
}

function spell(r: Rand, text: string): string {
  return [...text].map((ch) => (r() < 0.3 ? hex(r, ch) : ch)).join('');
}

const slash = (r: Rand): string => pick(r, ['/', '/', '/', '//', '///', '/./', '/%2e/', '/%2f']);
const dots = (r: Rand): string => pick(r, ['..', '%2e%2e', '.%2E', '%2E.', '%252e%252e']);

/** A spelling of the path made of `segments` (`/a/b` for ['a', 'b']). */
export function spellPath(r: Rand, segments: readonly string[]): string {
  let out = '';
  for (const segment of segments) {
    if (r() < 0.25) out += `${slash(r)}${spell(r, pick(r, PATH_SEGMENTS))}/${dots(r)}`;
    out += slash(r) + spell(r, segment);
  }
  return out === '' ? '/' : out;
}
