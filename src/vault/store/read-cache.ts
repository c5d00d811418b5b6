import { sha256Hex } from './crypto.js';
import type { VaultStore } from './types.js';

const MAX_ENTRIES = 4_096;

/**
 * The store's hot-path reads served from memory: what the gateway asks on each new connection
 * (the agent behind a token, the secrets list, an agent's grants). Every entry is dropped when
 * `dataVersion()` moves (a write here, or another replica's commit announced by NOTIFY), and
 * nothing is kept that was read inside a transaction (`dataVersion()` is null there). What is
 * returned is frozen: callers share it. Values are never cached here (reveal goes to the store).
 */
export function withReadCache(store: VaultStore, dataVersion: () => number | null): VaultStore {
  let version: number | null = null;
  const entries = new Map<string, unknown>();
  const cached = <A extends unknown[], R>(kind: string, read: (...args: A) => R, key: (...args: A) => string = (...args) => args.join('\0')) =>
    (...args: A): R => {
      const now = dataVersion();
      if (now === null) return read(...args);
      if (now !== version || entries.size >= MAX_ENTRIES) {
        entries.clear();
        version = now;
      }
      const k = `${kind}\0${key(...args)}`;
      if (entries.has(k)) return entries.get(k) as R;
      const value = frozen(read(...args));
      // Kept only if nothing moved while it was read; else the next call reads again.
      if (dataVersion() === now) entries.set(k, value);
      return value;
    };
  const { agents, secrets } = store;
  return {
    ...store,
    agents: {
      ...agents,
      get: cached('agent', agents.get.bind(agents)),
      getByIdentifier: cached('agent-by-identifier', agents.getByIdentifier.bind(agents)),
      // Keyed by the token's hash: the raw token is not kept in memory.
      findByToken: cached('agent-by-token', agents.findByToken.bind(agents), (token: string) => sha256Hex(String(token))),
      grantedSecrets: cached('granted', agents.grantedSecrets.bind(agents)),
    },
    secrets: {
      ...secrets,
      list: cached('secrets', secrets.list.bind(secrets)),
      get: cached('secret', secrets.get.bind(secrets)),
    },
  };
}

function frozen<T>(value: T): T {
  if (Array.isArray(value)) value.forEach(frozen);
  if (value !== null && typeof value === 'object') Object.freeze(value);
  return value;
}
