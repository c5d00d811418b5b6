/**
 * Every reading of a request path an upstream might route on. Servers differ: some decode every
 * `%XX` (also unreserved letters, `/%61dmin`), some only unreserved characters (RFC 3986 §6.2.2.2),
 * some decode `%2f`/`%5c`/`\` into separators or drop `;params` (Tomcat); some resolve `.` and `..`
 * (RFC 3986 §5.2.4), some collapse `//`, some do both or neither. A policy that restricts must
 * match under ANY of these readings; a grant under EVERY one (see path-pattern.ts). Pure.
 */

/** Rounds of decoding, so double encoding (`%252e`) is seen through. */
const MAX_DECODE_ROUNDS = 3;

const PERCENT_RUN = /(?:%[0-9a-f]{2})+/gi;
const UNRESERVED = /%(4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a]|3[0-9]|2d|2e|5f|7e)/gi;

/** Every `%XX` decoded: as UTF-8 where a run of them is UTF-8, else byte by byte (latin1). */
function decodeAll(path: string): string {
  return path.replace(PERCENT_RUN, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return Buffer.from(run.replace(/%/g, ''), 'hex').toString('latin1');
    }
  });
}

/** Only unreserved characters decoded (letters, digits, `-._~`): reserved ones such as `%2f` stay. */
function decodeUnreserved(path: string): string {
  return path.replace(UNRESERVED, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** What a server that splits on every separator spelling sees: `\`, `%2f`, `%5c`, `%2e` decoded, `;params` dropped. */
function decodeSeparators(path: string): string {
  return path
    .replace(/%2e/gi, '.')
    .replace(/%2f|%5c|\\/gi, '/')
    .replace(/;[^/]*/g, '');
}

/** Each decoding, with a cheap test for whether it can change a spelling at all. */
const DECODINGS: readonly { decode: (path: string) => string; applies: (path: string) => boolean }[] = [
  { decode: decodeAll, applies: (p) => p.includes('%') },
  { decode: decodeUnreserved, applies: (p) => p.includes('%') },
  { decode: decodeSeparators, applies: (p) => /[%\\;]/.test(p) },
];

/** Resolves `.` and `..` segments without climbing above the root; empty segments kept unless `collapse`. */
function resolveSegments(path: string, o: { dots: boolean; collapse: boolean }): string {
  const out: string[] = [];
  const segments = path.split('/');
  const last = segments.length - 1;
  for (let i = 1; i <= last; i++) {
    const segment = segments[i]!;
    if (segment === '' && o.collapse && i < last) continue;
    if (o.dots && (segment === '.' || segment === '..')) {
      if (segment === '..') out.pop();
      if (i === last) out.push('');
    } else out.push(segment);
  }
  return '/' + out.join('/');
}

const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

/** The path part of a request target: the query and fragment are not part of the path. */
export function barePath(target: string): string {
  const bare = target.split(/[?#]/, 1)[0] ?? '';
  return bare.startsWith('/') ? bare : `/${bare}`;
}

/** Dot segments resolved and repeated slashes collapsed: the canonical form of a path. */
export function canonicalPath(path: string): string {
  return resolveSegments(path, { dots: true, collapse: true });
}

/** The spellings of a path once decoded each way a server might decode it (the path itself first). */
function decodedSpellings(bare: string): string[] {
  const seen = new Set([bare]);
  let frontier = [bare];
  for (let round = 0; round < MAX_DECODE_ROUNDS && frontier.length > 0; round++) {
    const next: string[] = [];
    for (const spelling of frontier) {
      for (const { decode, applies } of DECODINGS) {
        if (!applies(spelling)) continue;
        const decoded = decode(spelling);
        if (!seen.has(decoded)) {
          seen.add(decoded);
          next.push(decoded);
        }
      }
    }
    frontier = next;
  }
  return [...seen];
}

/**
 * Longest path whose readings are worked out: decoding a long, densely encoded path many ways
 * costs milliseconds of the one gateway thread. A longer one is `overLong`, and its callers fail
 * closed (a restriction matches it, a grant with a path pattern does not).
 */
export const MAX_READ_PATH = 4096;

export interface PathReadings {
  /** Each decoding, dot segments resolved and slashes collapsed: how a normalising router reads it. */
  canonical: string[];
  /** `canonical` plus each decoding as it is, with only dots resolved, or only slashes collapsed. */
  all: string[];
  /** The path is longer than MAX_READ_PATH: only its own spelling was read. */
  overLong: boolean;
}

/** Every reading of a request target's path (its query dropped first). */
export function pathReadings(target: string): PathReadings {
  const bare = barePath(target);
  if (bare.length > MAX_READ_PATH) {
    const c = canonicalPath(bare);
    return { canonical: [c], all: [...new Set([bare, c])], overLong: true };
  }
  if (!/[%\\;]|\/\.|\/\//.test(bare)) return { canonical: [bare], all: [bare], overLong: false };
  const canonical = new Set<string>();
  const all = new Set<string>();
  for (const spelling of decodedSpellings(bare)) {
    const doubled = spelling.includes('//');
    const dotted = DOT_SEGMENT.test(spelling);
    const c = doubled || dotted ? canonicalPath(spelling) : spelling;
    canonical.add(c);
    all.add(c).add(spelling);
    // Resolving dots and collapsing slashes give other readings only when the spelling has both.
    if (doubled && dotted) {
      all.add(resolveSegments(spelling, { dots: true, collapse: false }));
      all.add(resolveSegments(spelling, { dots: false, collapse: true }));
    }
  }
  return { canonical: [...canonical], all: [...all], overLong: false };
}
