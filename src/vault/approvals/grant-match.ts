import { canonicalPath, pathReadings } from '../inject/path-readings.js';
import type { ApprovalGrant } from '../model/approvals.js';

export interface GrantQuery {
  agentId: string;
  secretId: string | null;
  method: string;
  host: string;
  /** The whole request target as sent (its query is ignored). */
  path: string;
}

/** Longest request target a grant may cover: a longer one always goes to a person. */
export const MAX_COVERED_PATH = 2048;

function under(prefix: string, path: string): boolean {
  if (path === prefix) return true;
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return path.startsWith(base);
}

/**
 * Whether `path` lies under `prefix`, segment-wise (`/v1/charges` covers `/v1/charges` and
 * `/v1/charges/ch_1` but not `/v1/chargesX`; a prefix ending in `/` covers everything below it),
 * under EVERY reading an upstream might route on (decoded, dots resolved, slashes collapsed, or
 * not), judged on the whole target: a grant widens what goes out without asking, so any doubt
 * sends the request to a person. A target longer than MAX_COVERED_PATH is never covered.
 */
export function pathUnderPrefix(prefix: string, path: string): boolean {
  if (path.length > MAX_COVERED_PATH) return false;
  const p = canonicalPath(prefix);
  return pathReadings(path).all.every((reading) => under(p, reading));
}

/** Whether a time-boxed grant lets this request through without asking: same agent, secret, method, host, a path under the prefix, not expired. */
export function grantCovers(grant: ApprovalGrant, req: GrantQuery, nowMs: number): boolean {
  return (
    Date.parse(grant.expiresAt) > nowMs &&
    grant.agentId === req.agentId &&
    grant.secretId === req.secretId &&
    grant.method.toUpperCase() === req.method.toUpperCase() &&
    grant.host.toLowerCase() === req.host.toLowerCase() &&
    pathUnderPrefix(grant.pathPrefix, req.path)
  );
}
