import { describe, expect, it } from 'vitest';
import { storeLocation } from './store-location.js';

describe('storeLocation', () => {
  it('names the SQLite file', () => {
    expect(storeLocation({ kind: 'sqlite', path: '/data/vault.db' })).toEqual({ kind: 'sqlite', path: '/data/vault.db' });
  });

  it('names the Postgres host, port, database and schema, and nothing else of the URL', () => {
    const path = `postgres://vault:pw-SECRET@db.internal:6543/nanoclaw?sslmode=require&options=${encodeURIComponent('-c search_path=team_a')}`;
    const location = storeLocation({ kind: 'postgres', path });
    expect(location).toEqual({ kind: 'postgres', host: 'db.internal', port: 6543, database: 'nanoclaw', schema: 'team_a' });
    expect(JSON.stringify(location)).not.toMatch(/SECRET|vault:|sslmode/);
  });

  it('fills in what Postgres would: port 5432, the user name as the database', () => {
    expect(storeLocation({ kind: 'postgres', path: 'postgresql://ncl@db' })).toEqual({ kind: 'postgres', host: 'db', port: 5432, database: 'ncl' });
  });
});
