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

/** The catalogue's services with a host a secret of `hostPattern` reaches (a pattern matching one of them). */
export function servicesReachedBy(hostPattern: string): KnownService[] {
  return KNOWN_SERVICES.filter((s) => serviceHosts(s).some((h) => !h.includes('*') && hostMatches(hostPattern, h)));
}
