import type { ApprovalGrant } from '../model/approvals.js';

export interface GrantQuery {
  agentId: string;
  secretId: string | null;
  method: string;
  host: string;
  path: string;
}

// Dot segments and encoded separators can make an upstream resolve a path outside the prefix
// (`/v1/charges/../admin`), so a path holding any of them is never covered by a grant.
const AMBIGUOUS = /(^|\/)(\.|%2e){1,2}(;|\/|$)|%2f|%5c|\\/i;

/**
 * Whether `path` lies under `prefix`, segment-wise: `/v1/charges` covers `/v1/charges` and
 * `/v1/charges/ch_1` but not `/v1/chargesX`; a prefix ending in `/` covers everything below it.
 */
export function pathUnderPrefix(prefix: string, path: string): boolean {
  if (AMBIGUOUS.test(path)) return false;
  if (path === prefix) return true;
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return path.startsWith(base);
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
