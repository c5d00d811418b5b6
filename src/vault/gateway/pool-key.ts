/**
 * Whose requests a pooled upstream connection may carry: one agent's, injected with one secret
 * (or with none). The upstream pool keeps connections apart by this key besides the destination,
 * so an upstream never sees two agents (or two of one agent's secrets) on one connection, and
 * nothing one request left on a connection (a server-side session, a half-read response) can
 * reach another agent. Built here and nowhere else.
 */
export type PoolKey = string & { readonly poolKey: unique symbol };

export function poolKey(o: { agentId: string; secretId: string | null }): PoolKey {
  // Ids are `prefix_hex` (store/crypto.ts randomId): no line break, so no two pairs give the same
  // text. Not JSON: this runs once per request, and JSON.stringify cost ten times as much.
  return `${o.agentId}\n${o.secretId ?? ''}` as PoolKey;
}
