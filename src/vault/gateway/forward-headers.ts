import type { IncomingHttpHeaders } from 'node:http';

/** Header values as the gateway passes them on (lower-case names). */
export type HeaderMap = Record<string, string | string[]>;

// Hop-by-hop headers (RFC 9110 §7.6.1) plus the proxy's own: they describe one connection,
// and Proxy-Authorization carries the agent token, which must never leave the gateway.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function connectionTokens(value: string | string[] | undefined): Set<string> | null {
  if (value === undefined) return null;
  const text = Array.isArray(value) ? value.join(',') : value;
  const tokens = text
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t && t !== 'close' && t !== 'keep-alive' && t !== 'upgrade');
  return tokens.length > 0 ? new Set(tokens) : null;
}

function copyEndToEnd(headers: IncomingHttpHeaders): HeaderMap {
  const named = connectionTokens(headers.connection);
  const out: HeaderMap = {};
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || named?.has(name)) continue;
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * The headers to send upstream: end-to-end headers only. A chunked request body is
 * re-chunked by us, so `transfer-encoding: chunked` is put back explicitly (without it
 * node would send a GET body unframed). `upgrade` keeps the WebSocket handshake headers.
 */
export function upstreamRequestHeaders(
  headers: IncomingHttpHeaders,
  options: { upgrade?: boolean } = {},
): HeaderMap {
  const out = copyEndToEnd(headers);
  if (headers['transfer-encoding'] !== undefined) out['transfer-encoding'] = 'chunked';
  if (options.upgrade && headers.upgrade !== undefined) {
    out.connection = 'Upgrade';
    out.upgrade = headers.upgrade;
  }
  return out;
}

/** The upstream response headers the agent gets: end-to-end headers only. */
export function clientResponseHeaders(headers: IncomingHttpHeaders): HeaderMap {
  return copyEndToEnd(headers);
}
