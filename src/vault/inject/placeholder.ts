import { HOP_BY_HOP } from '../../common/hop-by-hop.js';
import { PLACEHOLDER } from '../../common/placeholder.js';

/**
 * The placeholder in request headers: where a stub or a placeholder variable put it, directly or
 * inside a `Basic base64(user:password)` pair (git's credential helper answers the placeholder).
 */

const BASIC = /^(basic)(\s+)([A-Za-z0-9+/_-]+={0,2})\s*$/i;

/**
 * Framing, routing and connection headers: never rewritten or removed for the placeholder
 * (`onecli-managed` is a valid DNS label), nor an injection's target.
 */
export const PLACEHOLDER_EXEMPT: ReadonlySet<string> = new Set(['host', 'content-length', ...HOP_BY_HOP]);

/** Replaces the placeholder in one header value, including inside a `Basic base64(user:password)` pair. */
export function replacePlaceholder(headerValue: string, value: string, authHeader: boolean): string {
  if (headerValue.includes(PLACEHOLDER)) return headerValue.split(PLACEHOLDER).join(value);
  if (!authHeader) return headerValue;
  const basic = BASIC.exec(headerValue);
  if (!basic) return headerValue;
  const decoded = Buffer.from(basic[3] ?? '', 'base64').toString('utf8');
  if (!decoded.includes(PLACEHOLDER)) return headerValue;
  const replaced = decoded.split(PLACEHOLDER).join(value);
  return `${basic[1]}${basic[2]}${Buffer.from(replaced, 'utf8').toString('base64')}`;
}

/** Whether a header value holds the placeholder, also inside a Basic pair, in any letter case. */
export function carriesPlaceholder(headerValue: string): boolean {
  if (headerValue.toLowerCase().includes(PLACEHOLDER)) return true;
  const basic = BASIC.exec(headerValue);
  return basic !== null && Buffer.from(basic[3] ?? '', 'base64').toString('utf8').toLowerCase().includes(PLACEHOLDER);
}

/**
 * The headers without every field that carries the placeholder: what goes upstream when the
 * gateway has no value to put in its place. Sent as it is, `Bearer onecli-managed` would turn an
 * anonymous request (a public repository, a public API) into a failed login. Pure.
 */
export function withoutPlaceholders<T extends string | string[]>(headers: Readonly<Record<string, T | undefined>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (PLACEHOLDER_EXEMPT.has(name.toLowerCase())) {
      out[name] = value;
      continue;
    }
    if (typeof value === 'string') {
      if (!carriesPlaceholder(value)) out[name] = value;
      continue;
    }
    const kept = value.filter((v) => !carriesPlaceholder(v));
    if (kept.length > 0) out[name] = kept as T;
  }
  return out;
}
