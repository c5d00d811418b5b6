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

const DECODINGS: readonly ((path: string) => string)[] = [decodeAll, decodeUnreserved, decodeSeparators];

/** Resolves `.` and `..` segments without climbing above the root; empty segments kept unless `collapse`. */
function resolveSegments(path: string, o: { dots: boolean; collapse: boolean }): string {
  const out: string[] = [];
  const segments = path.split('/').slice(1);
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (o.collapse && segment === '' && !last) return;
    if (o.dots && segment === '.') {
      if (last) out.push('');
    } else if (o.dots && segment === '..') {
      out.pop();
      if (last) out.push('');
    } else out.push(segment);
  });
  return '/' + out.join('/');
}

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
      for (const decode of DECODINGS) {
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

export interface PathReadings {
  /** Each decoding, dot segments resolved and slashes collapsed: how a normalising router reads it. */
  canonical: string[];
  /** `canonical` plus each decoding as it is, with only dots resolved, or only slashes collapsed. */
  all: string[];
}

/** Every reading of a request target's path (its query dropped first). */
export function pathReadings(target: string): PathReadings {
  const bare = barePath(target);
  if (!/[%\\;]|\/\.|\/\//.test(bare)) return { canonical: [bare], all: [bare] };
  const canonical = new Set<string>();
  const all = new Set<string>();
  for (const spelling of decodedSpellings(bare)) {
    const c = canonicalPath(spelling);
    canonical.add(c);
    all.add(c).add(spelling);
    all.add(resolveSegments(spelling, { dots: true, collapse: false }));
    all.add(resolveSegments(spelling, { dots: false, collapse: true }));
  }
  return { canonical: [...canonical], all: [...all] };
}
