import { nodeHeaders } from './node-headers.js';
import { HOP_BY_HOP } from '../../common/hop-by-hop.js';

/**
 * Header values as the gateway passes them on (lower-case names), in an object without a
 * prototype: a header named `__proto__` or `constructor` is a header like any other.
 */
export type HeaderMap = Record<string, string | string[]>;

function connectionTokens(value: string | string[] | undefined): Set<string> | null {
  if (value === undefined) return null;
  const text = Array.isArray(value) ? value.join(',') : value;
  const tokens = text
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t && t !== 'close' && t !== 'keep-alive' && t !== 'upgrade');
  return tokens.length > 0 ? new Set(tokens) : null;
}

/**
 * The headers to send upstream, from the agent's raw `[name, value, …]` list (not Node's
 * `req.headers`, which drops a `__proto__` header): end-to-end headers only, duplicates combined
 * as Node combines them, in a map without a prototype. A chunked request body is re-chunked by
 * us, so `transfer-encoding: chunked` is put back explicitly (without it node would send a GET
 * body unframed). `upgrade` keeps the WebSocket handshake headers.
 */
export function upstreamRequestHeaders(rawHeaders: readonly string[], options: { upgrade?: boolean } = {}): HeaderMap {
  const out = nodeHeaders(rawHeaders) as HeaderMap;
  const { connection, upgrade } = out;
  const chunked = out['transfer-encoding'] !== undefined;
  for (const name of HOP_BY_HOP) delete out[name];
  for (const name of connectionTokens(connection) ?? []) delete out[name];
  if (chunked) out['transfer-encoding'] = 'chunked';
  if (options.upgrade && upgrade !== undefined) {
    out.connection = 'Upgrade';
    out.upgrade = upgrade;
  }
  return out;
}

/**
 * The upstream response's end-to-end headers as a flat `[name, value, …]` list straight from
 * its raw headers (original case and order), for `writeHead`: no header object is built.
 */
export function clientResponseHeaderList(raw: readonly string[]): string[] {
  let named: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      const tokens = connectionTokens(raw[i + 1]);
      if (tokens) for (const t of tokens) (named ??= new Set()).add(t);
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named?.has(lower)) continue;
    out.push(name, raw[i + 1] ?? '');
  }
  return out;
}

/**
 * A header's value in a flat list, as `IncomingMessage.headers` would give it: the first one,
 * or with `join` every one joined by `, ` (what Node does for e.g. `content-encoding`).
 */
export function headerOf(list: readonly string[], lower: string, options: { join?: boolean } = {}): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i] ?? '';
    if (name.length !== lower.length || name.toLowerCase() !== lower) continue;
    const value = list[i + 1] ?? '';
    if (!options.join) return value;
    found = found === undefined ? value : `${found}, ${value}`;
  }
  return found;
}

/** A flat list without the headers named in `lower` (lower-case names). */
export function withoutHeaders(list: readonly string[], lower: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i] ?? '';
    if (!lower.includes(name.toLowerCase())) out.push(name, list[i + 1] ?? '');
  }
  return out;
}
