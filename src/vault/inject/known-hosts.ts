import { KNOWN_SERVICES, serviceHosts, type KnownService } from '../../config/known-services.js';
import { hostMatches } from './host-pattern.js';

/** Lookups by host in the service catalogue (`config/known-services.ts`). */

/** Whether `host` is one of the catalogue's credentialed API hosts (intercepted even without a secret). */
export function isKnownCredentialedHost(host: string): boolean {
  return KNOWN_SERVICES.some((s) => serviceHosts(s).some((pattern) => hostMatches(pattern, host)));
}

/** The user a host takes a token with as Basic `user:<token>` (git over HTTPS), or null. */
export function basicUserFor(host: string): string | null {
  const service = KNOWN_SERVICES.find((s) => s.basicUser?.hosts.some((pattern) => hostMatches(pattern, host)));
  return service?.basicUser?.user ?? null;
}

/** The catalogue's service that `host` belongs to (an exact host of its list first), or undefined. */
export function serviceForHost(host: string): KnownService | undefined {
  const listed = (s: KnownService, exact: boolean) => serviceHosts(s).some((p) => p.includes('*') !== exact && hostMatches(p, host));
  return KNOWN_SERVICES.find((s) => listed(s, true)) ?? KNOWN_SERVICES.find((s) => listed(s, false));
}
