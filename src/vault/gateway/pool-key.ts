import { PairCache } from './pair-cache.js';

/**
 * Whose requests a pooled upstream connection may carry: one agent's, injected with one secret
 * (or with none). The upstream pool keeps connections apart by this key besides the destination,
 * so an upstream never sees two agents (or two of one agent's secrets) on one connection, and
 * nothing one request left on a connection (a server-side session, a half-read response) can
 * reach another agent. Built here and nowhere else.
 */
export type PoolKey = string & { readonly poolKey: unique symbol };

// Built once per pair and handed out again: the same string object each request, so the pool's
// lookups by it hash nothing new. Bounded: it starts again when it holds more pairs than a vault has grants.
const built = new PairCache<string, string, PoolKey>({ max: 4_096 });

// Ids are `prefix_hex` (store/crypto.ts randomId): no line break, so no two pairs give the same text.
const joined = (agentId: string, secretId: string): PoolKey => `${agentId}\n${secretId}` as PoolKey;

export function poolKey(o: { agentId: string; secretId: string | null }): PoolKey {
  return built.obtain(o.agentId, o.secretId ?? '', joined);
}
