/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) plus the proxy's own: they describe one connection, and
 * Proxy-Authorization carries the agent token, which must never leave the gateway. Dropped from
 * requests going upstream and from responses going to the agent. Lower case.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
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
