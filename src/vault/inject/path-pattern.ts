import { barePath, canonicalPath, pathReadings, type PathReadings } from './path-readings.js';

/**
 * Path patterns: `*` (everything), `/v1/*` (`/v1` and below), `/exact`; any other `*` matches
 * within one segment. A request path is read every way an upstream might read it (path-readings.ts),
 * so `/v1/../admin` or `/v1/%2e%2e/admin` never counts as inside `/v1/*`, and `/%61dmin` is `/admin`
 * to a rule that restricts it.
 */

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
  const source = canonicalPath(barePath(body === '' ? '/' : body))
    .split('*')
    .map(escapeRegExp)
    .join('[^/]*');
  // `s`: a decoded `%0a` must not stop `.*` short of the end.
  return new RegExp(`^${source === '/' && tail ? '' : source}${tail}$`, 's');
}

/**
 * Whether a request path (query ignored) matches a pattern under EVERY canonical reading: use it
 * to grant (inject a secret). Decoding more can only make a grant match less, which fails closed
 * (no value, or a less specific secret). The readings that keep `//` or `..` as sent are left out
 * here: a client that joins a base URL ending in `/` sends `//v1/x`, and a grant should not stop
 * working for it; they count only for restrictions, where matching more is the safe side.
 * Null or `*` matches every path.
 */
export function pathMatches(pattern: string | null | undefined, path: string): boolean {
  if (pattern == null || pattern.trim() === '*') return true;
  const p = pattern.trim();
  if (!p.startsWith('/') || !path.startsWith('/')) return false;
  const readings = pathReadings(path);
  if (readings.overLong) return false;
  const re = compile(p);
  return readings.canonical.every((reading) => re.test(reading));
}

/**
 * Whether a path matches under ANY reading (decoded, dots resolved, slashes collapsed, or not):
 * use it to restrict (block, rate-limit, hold for approval), so an encoding trick cannot slip a
 * request past a rule.
 */
export function pathMatchesAny(pattern: string | null | undefined, path: string): boolean {
  return anyReadingMatches(pattern, pathReadings(path));
}

/**
 * `pathMatchesAny` on readings worked out once, for checking many rules against one request. A
 * path too long to read every way matches (fails closed).
 */
export function anyReadingMatches(pattern: string | null | undefined, readings: PathReadings): boolean {
  if (pattern == null || pattern.trim() === '*') return true;
  const p = pattern.trim();
  if (!p.startsWith('/')) return false;
  if (readings.overLong) return true;
  const re = compile(p);
  return readings.all.some((reading) => re.test(reading));
}

/** How specific a pattern is, for choosing between secrets: the count of literal characters. */
export function pathSpecificity(pattern: string | null): number {
  if (pattern === null || pattern.trim() === '*') return -1;
  return pattern.trim().replace(/\*/g, '').length;
}
