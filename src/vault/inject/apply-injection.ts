import { NanoclawError } from '../../common/errors.js';
import type { Secret } from '../model/records.js';
import { parseHostPort } from './host-pattern.js';
import { basicUserFor } from './known-hosts.js';
import { PLACEHOLDER_EXEMPT, replacePlaceholder } from './placeholder.js';
import { setQueryParam } from './query-param.js';

/**
 * Puts a secret's value into a request (DESIGN.md "Secret types"). Pure: returns new headers and
 * path. The header is set whether or not the agent sent one, and the `onecli-managed` placeholder
 * is replaced wherever the agent's stubs put it.
 */


/** Headers that carry credentials even when their value does not show the placeholder (Basic pairs). */
const AUTH_HEADERS = ['authorization', 'x-api-key', 'x-goog-api-key'];

export type InjectionTarget =
  | { kind: 'header'; name: string; value: string; remove: string[] }
  | { kind: 'query'; name: string; value: string };

export interface InjectionInput {
  secret: Secret;
  value: string;
  headers: Record<string, string | string[] | undefined>;
  path: string;
  /** The request's host (a Host header's `host:port` will do): it decides the form for hosts that take Basic only. */
  host: string;
  /** The target already worked out (and checked) for this secret, value and host. */
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
 * Where and how a secret's value goes to `host`: by type (a `generic` secret without config is a
 * Bearer token), except that a host the catalogue says takes only Basic (git on github.com) gets
 * a Bearer token as `Basic base64(<user>:<token>)`. Throws `invalid_secret` for a value or config
 * that cannot be injected.
 */
export function injectionTarget(secret: Secret, value: string, host: string): InjectionTarget {
  if (value.length === 0 || /[\r\n\0]/.test(value)) throw invalidSecret(secret, 'its value is empty or has a line break or NUL');
  const target = targetByType(secret, value);
  const user = basicUserFor(host);
  if (user === null || target.kind !== 'header' || target.name !== 'authorization' || target.value !== `Bearer ${value}`) return target;
  return { ...target, value: `Basic ${Buffer.from(`${user}:${value}`, 'utf8').toString('base64')}` };
}

function targetByType(secret: Secret, value: string): InjectionTarget {
  const bearer = (v: string): InjectionTarget => ({ kind: 'header', name: 'authorization', value: `Bearer ${v}`, remove: [] });
  switch (secret.type) {
    case 'anthropic':
      return value.startsWith('sk-ant-oat')
        ? { kind: 'header', name: 'authorization', value: `Bearer ${value}`, remove: ['x-api-key'] }
        : { kind: 'header', name: 'x-api-key', value, remove: ['authorization'] };
    case 'openai':
    case 'api_key':
      return bearer(value);
    // An oauth2 secret's value here is its current access token (vault/oauth): Bearer unless configured.
    case 'oauth2':
    case 'generic': {
      const config = secret.injectionConfig;
      if (!config) return bearer(value);
      if ('paramName' in config) return { kind: 'query', name: config.paramName, value: fill(config.paramFormat, value) };
      const name = config.headerName.toLowerCase();
      if (PLACEHOLDER_EXEMPT.has(name)) throw invalidSecret(secret, `header ${name} is reserved for the proxy`);
      return { kind: 'header', name, value: fill(config.valueFormat, value), remove: [] };
    }
    case 'honeytoken':
      // The decision refuses every request that would use a decoy before it gets here.
      throw invalidSecret(secret, 'it is a honeytoken (a decoy), never injected');
  }
}

/** Returns the request's new headers (lower-case names) and path with the secret applied. */
export function applyInjection(input: InjectionInput): InjectionResult {
  const { secret, value } = input;
  const target = input.target ?? injectionTarget(secret, value, parseHostPort(input.host, 443)?.host ?? '');
  const authNames = new Set(target.kind === 'header' ? [...AUTH_HEADERS, target.name] : AUTH_HEADERS);
  // No prototype: a header named `constructor` or `__proto__` is an ordinary entry.
  const headers = Object.create(null) as Record<string, string | string[]>;
  for (const [rawName, raw] of Object.entries(input.headers)) {
    if (raw === undefined) continue;
    const name = rawName.toLowerCase();
    const swap = (v: string) => (PLACEHOLDER_EXEMPT.has(name) ? v : replacePlaceholder(v, value, authNames.has(name)));
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
