import { PLACEHOLDER } from '../../common/placeholder.js';
import { METHOD_OVERRIDE_HEADERS } from '../inject/method-override.js';

/**
 * The gateway's tables of header names, each defined once. The TypeScript paths read them here;
 * the native addon has no copy: `addonTables()` is handed to it when it loads
 * (native-tls/binding.ts → `configure` in native/tls-transport/binding.cc), and the fast lane's
 * C++ reads what it was given.
 */

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

/**
 * Request headers the fast lane never forwards itself: the request goes to the TypeScript path,
 * which gives each its own handling (framing, upgrades, `Expect`, the agent token, policy over
 * the overridden method). Every hop-by-hop name but `Connection`, which the lane reads itself
 * (only `keep-alive` passes, and it is dropped upstream). Lower case.
 */
export const LANE_REFUSED_HEADERS: readonly string[] = [
  ...[...HOP_BY_HOP].filter((name) => name !== 'connection'),
  'expect',
  'http2-settings',
  ...METHOD_OVERRIDE_HEADERS,
];

/** What the native addon's `configure` takes (native/tls-transport/lane-tables.h). */
export interface AddonTables {
  hopByHop: string[];
  laneRefused: string[];
  /** A request with it in any header value (any case) is left to the TypeScript path, which replaces it. */
  placeholder: string;
}

export function addonTables(): AddonTables {
  return { hopByHop: [...HOP_BY_HOP], laneRefused: [...LANE_REFUSED_HEADERS], placeholder: PLACEHOLDER };
}
