/**
 * Path patterns: `*` (everything), `/v1/*` (`/v1` and below), `/exact`; any other `*` matches
 * within one segment. A request path is normalized before matching, and must match under every
 * reading an upstream might give it (raw; with `%2e`, `%2f`, `%5c`, `\` decoded; with `;params`
 * dropped as Tomcat does), so `/v1/../admin` or `/v1/%2e%2e/admin` never counts as inside `/v1/*`.
 */

const MAX_DECODE_ROUNDS = 3;

/** Removes the query and fragment, collapses `//`, resolves `.` and `..` (never above the root). */
export function normalizePath(path: string): string {
  const bare = path.split(/[?#]/, 1)[0] ?? '';
  const out: string[] = [];
  for (const segment of bare.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  const trailing = bare.length > 1 && bare.endsWith('/') && out.length > 0 ? '/' : '';
  return '/' + out.join('/') + trailing;
}

/** One round of decoding the characters that change how a path splits into segments. */
function decodeSeparators(path: string): string {
  return path
    .replace(/%2e/gi, '.')
    .replace(/%2f/gi, '/')
    .replace(/%5c/gi, '/')
    .replace(/\\/g, '/')
    .replace(/;[^/]*/g, '')
    .replace(/%25/g, '%');
}

/** Every reading of `path` a server might act on, normalized. */
export function pathReadings(path: string): string[] {
  const bare = path.split(/[?#]/, 1)[0] ?? '';
  const readings = new Set([normalizePath(bare)]);
  let current = bare;
  for (let round = 0; round < MAX_DECODE_ROUNDS; round++) {
    const next = decodeSeparators(current);
    if (next === current) break;
    readings.add(normalizePath(next));
    current = next;
  }
  return [...readings];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles a pattern to a regular expression over normalized paths. */
function compile(pattern: string): RegExp {
  let body = pattern;
  let tail = '';
  if (body.endsWith('/*')) {
    body = body.slice(0, -2);
    tail = '(?:/.*)?';
  }
  const source = normalizePath(body === '' ? '/' : body)
    .split('*')
    .map(escapeRegExp)
    .join('[^/]*');
  return new RegExp(`^${source === '/' && tail ? '' : source}${tail}$`);
}

/**
 * Whether a request path (query ignored) matches a pattern under EVERY reading: use it to grant
 * (inject a secret). Null or `*` matches every path.
 */
export function pathMatches(pattern: string | null | undefined, path: string): boolean {
  if (pattern == null || pattern.trim() === '*') return true;
  const p = pattern.trim();
  if (!p.startsWith('/') || !path.startsWith('/')) return false;
  const re = compile(p);
  return pathReadings(path).every((reading) => re.test(reading));
}

/**
 * Whether a path matches under ANY reading: use it to restrict (block, rate-limit, hold for
 * approval), so an encoding trick cannot slip a request past a rule.
 */
export function pathMatchesAny(pattern: string | null | undefined, path: string): boolean {
  if (pattern == null || pattern.trim() === '*') return true;
  const p = pattern.trim();
  if (!p.startsWith('/')) return false;
  const re = compile(p);
  return pathReadings(path.startsWith('/') ? path : `/${path}`).some((reading) => re.test(reading));
}

/** How specific a pattern is, for choosing between secrets: the count of literal characters. */
export function pathSpecificity(pattern: string | null): number {
  if (pattern === null || pattern.trim() === '*') return -1;
  return pattern.trim().replace(/\*/g, '').length;
}
