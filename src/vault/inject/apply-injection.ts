import { NanoclawError } from '../../common/errors.js';
import { PLACEHOLDER } from '../../common/placeholder.js';
import type { Secret } from '../model/records.js';
import { setQueryParam } from './query-param.js';

/**
 * Puts a secret's value into a request (DESIGN.md "Secret types"). Pure: returns new headers and
 * path. The header is set whether or not the agent sent one, and the `onecli-managed` placeholder
 * is replaced wherever the agent's stubs put it.
 */

export { PLACEHOLDER };

/** Headers that carry credentials even when their value does not show the placeholder (Basic pairs). */
const AUTH_HEADERS = ['authorization', 'x-api-key', 'x-goog-api-key'];
/** Never replaced here: the gateway strips it before forwarding. */
const PROXY_AUTH = 'proxy-authorization';
/**
 * Framing and routing headers: never an injection target, and never rewritten for the placeholder
 * (`onecli-managed` is a valid DNS label, so it can appear in a Host header).
 */
const RESERVED = new Set([
  'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te',
  'trailer', PROXY_AUTH,
]);

export type InjectionTarget =
  | { kind: 'header'; name: string; value: string; remove: string[] }
  | { kind: 'query'; name: string; value: string };

export interface InjectionInput {
  secret: Secret;
  value: string;
  headers: Record<string, string | string[] | undefined>;
  path: string;
  /** The target already worked out (and checked) for this secret and value. */
  target?: InjectionTarget;
}

export interface InjectionResult {
  headers: Record<string, string | string[]>;
  path: string;
  /** `header:<name>` or `query:<name>`, for the audit log (never the value). */
  injectedInto: string;
}

function fill(format: string | undefined, value: string): string {
  // split/join, not String.replace: a `$&` in a secret must stay literal.
  return (format ?? '{value}').split('{value}').join(value);
}

function invalidSecret(secret: Secret, why: string): NanoclawError {
  return new NanoclawError('invalid_secret', `Secret "${secret.name}" cannot be injected: ${why}.`, {
    hint: `Fix it with: ncl secrets update --id ${secret.id} (see --help for the injection flags)`,
  });
}

/**
 * Where and how a secret's value goes, by type. A `generic` secret without config is a Bearer
 * token. Throws `invalid_secret` for a value or config that cannot be injected.
 */
export function injectionTarget(secret: Secret, value: string): InjectionTarget {
  if (value.length === 0 || /[\r\n\0]/.test(value)) throw invalidSecret(secret, 'its value is empty or has a line break or NUL');
  const bearer = (v: string): InjectionTarget => ({ kind: 'header', name: 'authorization', value: `Bearer ${v}`, remove: [] });
  switch (secret.type) {
    case 'anthropic':
      return value.startsWith('sk-ant-oat')
        ? { kind: 'header', name: 'authorization', value: `Bearer ${value}`, remove: ['x-api-key'] }
        : { kind: 'header', name: 'x-api-key', value, remove: ['authorization'] };
    case 'openai':
    case 'api_key':
      return bearer(value);
    case 'generic': {
      const config = secret.injectionConfig;
      if (!config) return bearer(value);
      if ('paramName' in config) return { kind: 'query', name: config.paramName, value: fill(config.paramFormat, value) };
      const name = config.headerName.toLowerCase();
      if (RESERVED.has(name)) throw invalidSecret(secret, `header ${name} is reserved for the proxy`);
      return { kind: 'header', name, value: fill(config.valueFormat, value), remove: [] };
    }
  }
}

/** Replaces the placeholder in one header value, including inside a `Basic base64(user:password)` pair. */
export function replacePlaceholder(headerValue: string, value: string, authHeader: boolean): string {
  if (headerValue.includes(PLACEHOLDER)) return headerValue.split(PLACEHOLDER).join(value);
  if (!authHeader) return headerValue;
  const basic = /^(basic)(\s+)([A-Za-z0-9+/_-]+={0,2})\s*$/i.exec(headerValue);
  if (!basic) return headerValue;
  const decoded = Buffer.from(basic[3] ?? '', 'base64').toString('utf8');
  if (!decoded.includes(PLACEHOLDER)) return headerValue;
  const replaced = decoded.split(PLACEHOLDER).join(value);
  return `${basic[1]}${basic[2]}${Buffer.from(replaced, 'utf8').toString('base64')}`;
}

/** Returns the request's new headers (lower-case names) and path with the secret applied. */
export function applyInjection(input: InjectionInput): InjectionResult {
  const { secret, value } = input;
  const target = input.target ?? injectionTarget(secret, value);
  const authNames = new Set(target.kind === 'header' ? [...AUTH_HEADERS, target.name] : AUTH_HEADERS);
  // No prototype: a header named `constructor` or `__proto__` is an ordinary entry.
  const headers = Object.create(null) as Record<string, string | string[]>;
  for (const [rawName, raw] of Object.entries(input.headers)) {
    if (raw === undefined) continue;
    const name = rawName.toLowerCase();
    const swap = (v: string) => (RESERVED.has(name) ? v : replacePlaceholder(v, value, authNames.has(name)));
    const next = Array.isArray(raw) ? raw.map(swap) : swap(raw);
    const prev = headers[name];
    headers[name] = prev === undefined ? next : [prev, next].flat();
  }
  if (target.kind === 'query') {
    return { headers, path: setQueryParam(input.path, target.name, target.value), injectedInto: `query:${target.name}` };
  }
  for (const name of target.remove) delete headers[name];
  headers[target.name] = target.value;
  return { headers, path: input.path, injectedInto: `header:${target.name}` };
}
