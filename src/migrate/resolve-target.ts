import { findService, type KnownService, type TokenForm } from '../config/known-services.js';
import { HostPatternSchema, type InjectionConfig, type SecretType } from '../vault/model/records.js';

/** Where a key's value would go in the vault. */
export interface Target {
  service: string;
  hostPattern: string;
  type: SecretType;
  injectionConfig: InjectionConfig | null;
  source: 'known' | 'map' | 'base-url';
  /** Keys of one group compete for the same host; the lowest rank wins. */
  group: string;
  rank: number;
}

const BEARER: InjectionConfig = { headerName: 'Authorization', valueFormat: 'Bearer {value}' };

/** The vault's injection config of a catalogue token form. */
export function injectionConfigOf(form: TokenForm | undefined): InjectionConfig {
  if (!form || form.kind === 'bearer') return BEARER;
  if (form.kind === 'query') return { paramName: form.param, paramFormat: '{value}' };
  return { headerName: form.header, valueFormat: '{value}' };
}

/** The host of a URL as a valid host pattern, or undefined. */
export function hostOfUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  const host = HostPatternSchema.safeParse(url.hostname);
  return host.success ? host.data : undefined;
}

function injectionAt(service: KnownService, key: string, host: string): Pick<Target, 'type' | 'injectionConfig'> {
  // Claude Code sends ANTHROPIC_AUTH_TOKEN as a Bearer token; a proxy or gateway in front of
  // Anthropic expects exactly that, not the x-api-key the anthropic type picks for non-OAuth values.
  if (host !== service.hostPattern && key === 'ANTHROPIC_AUTH_TOKEN') return { type: 'generic', injectionConfig: BEARER };
  return { type: service.type, injectionConfig: service.type === 'generic' ? injectionConfigOf(service.form) : null };
}

/**
 * Where `key` goes: `map` (already validated host patterns) first, then the table of known services,
 * redirected by the service's *_BASE_URL setting when that names another host. `{ ask }` when the
 * key is known but its host cannot be told; undefined when the key is not known at all.
 */
export function resolveTarget(
  key: string,
  values: Readonly<Record<string, string>>,
  map: Readonly<Record<string, string>>,
): Target | { ask: string } | undefined {
  const known = findService(key);
  const mapped = map[key];
  if (mapped !== undefined) {
    const how = known ? injectionAt(known.service, key, mapped) : { type: 'generic' as const, injectionConfig: BEARER };
    return { service: known?.service.service ?? 'custom', hostPattern: mapped, ...how, source: 'map', group: `map:${key}`, rank: 0 };
  }
  if (!known) return undefined;
  const { service, rank } = known;
  let host = service.hostPattern;
  let source: Target['source'] = 'known';
  const baseUrl = service.baseUrlKey ? values[service.baseUrlKey] : undefined;
  if (service.baseUrlKey && baseUrl) {
    const fromUrl = hostOfUrl(baseUrl);
    if (!fromUrl) return { ask: `${service.baseUrlKey} is set but is not a URL with a host name, so where this key goes is unclear` };
    if (fromUrl !== host) {
      host = fromUrl;
      source = 'base-url';
    }
  }
  return { service: service.service, hostPattern: host, ...injectionAt(service, key, host), source, group: `${service.service}|${host}`, rank };
}
