import type { Secret } from '../model/records.js';
import { hostMatches, normalizeHost } from './host-pattern.js';
import { pathMatches, pathSpecificity } from './path-pattern.js';

/** Which of an agent's secrets applies to a request: the most specific match wins. */

export interface SecretRequest {
  host: string;
  path: string;
}

/**
 * Exact hosts first; among wildcards, the longer suffix (`*.api.example.com` over `*.example.com`,
 * which is one longer than `.example.com` and so wins on the subdomains they share).
 */
function hostSpecificity(pattern: string): number {
  const p = normalizeHost(pattern);
  return p.startsWith('*.') || p.startsWith('.') ? p.length : 10_000;
}

function createdAtMs(secret: Secret): number {
  const ms = Date.parse(secret.createdAt);
  return Number.isNaN(ms) ? 0 : ms;
}

/** Orders secrets most specific first: host, then path pattern, then newest, then id (stable). */
export function compareSpecificity(a: Secret, b: Secret): number {
  return (
    hostSpecificity(b.hostPattern) - hostSpecificity(a.hostPattern) ||
    pathSpecificity(b.pathPattern) - pathSpecificity(a.pathPattern) ||
    createdAtMs(b) - createdAtMs(a) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** The secret to inject into a request to `host` + `path`, or null when none matches both. */
export function selectSecret(secrets: readonly Secret[], req: SecretRequest): Secret | null {
  const matching = secrets.filter(
    (s) => hostMatches(s.hostPattern, req.host) && pathMatches(s.pathPattern, req.path),
  );
  return matching.sort(compareSpecificity)[0] ?? null;
}

/** Whether any secret's host pattern matches `host`, whatever its path pattern (decides TLS interception). */
export function hostHasAnySecret(secrets: readonly Secret[], host: string): boolean {
  return secrets.some((s) => hostMatches(s.hostPattern, host));
}
