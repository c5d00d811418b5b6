import { HOP_BY_HOP } from '../../common/hop-by-hop.js';
import { PLACEHOLDER } from '../../common/placeholder.js';
import { METHOD_OVERRIDE_HEADERS } from '../inject/method-override.js';

/**
 * The gateway's tables of header names, each defined once (the hop-by-hop names in
 * common/hop-by-hop.ts, which the injection rules read too). The TypeScript paths read them here;
 * the native addon has no copy: `addonTables()` is handed to it when it loads
 * (native-tls/binding.ts → `configure` in native/tls-transport/binding.cc), and the fast lane's
 * C++ reads what it was given.
 */

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
