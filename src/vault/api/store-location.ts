import type { StoreLocation } from './schemas.js';

const PG_DEFAULT_PORT = 5432;

/**
 * Where a store lives, for health and status: the SQLite file, or the Postgres host, port,
 * database (and schema, when the URL sets a search_path). Built from the parts it names only, so
 * a password or any other URL parameter never reaches the answer. Pure.
 */
export function storeLocation(store: { kind: 'sqlite' | 'postgres'; path: string }): StoreLocation {
  if (store.kind === 'sqlite') return { kind: 'sqlite', path: store.path };
  let url: URL;
  try {
    url = new URL(store.path);
  } catch {
    return { kind: 'postgres', host: '(unparsable URL)', port: PG_DEFAULT_PORT, database: '' };
  }
  const host = url.hostname || url.searchParams.get('host') || 'localhost';
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username) || 'postgres';
  const schema = /(?:^|\s)-c\s*search_path=([^\s,]+)/.exec(url.searchParams.get('options') ?? '')?.[1];
  return { kind: 'postgres', host, port: Number(url.port) || PG_DEFAULT_PORT, database, ...(schema ? { schema } : {}) };
}
