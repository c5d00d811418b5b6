import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { Redactor } from '../../src/common/redact.js';
import { PgBridge } from '../../src/vault/store/pg-bridge.js';
import type { SqlRow } from '../../src/vault/store/sql-database.js';
import { openStore } from '../../src/vault/store/store.js';
import type { VaultStore } from '../../src/vault/store/types.js';
import { startPostgres, type StartedPostgres } from './postgres-server.js';

/** The stores the behaviour tests run against: the SQLite default and Postgres (NANOCLAW_DATABASE_URL). */
export const STORE_BACKENDS = ['sqlite', 'postgres'] as const;
export type StoreBackend = (typeof STORE_BACKENDS)[number];

export interface StoreLocation {
  path: string;
  databaseUrl?: string;
}

export interface StoreHarness {
  /** Where this test's store lives: a new SQLite file or a new Postgres schema per test. */
  readonly location: StoreLocation;
  open(o: { masterKey: Buffer; redactor: Redactor }): VaultStore;
  /** Rows read straight from the database, past the store (what an attacker with the file or a dump sees). */
  rawAll(sql: string): SqlRow[];
  /** Postgres only: restarts the server under the test's stores, cutting their connections. */
  restartServer(): Promise<void>;
}

/**
 * Registers, in the calling `describe`, the hooks that give each test a fresh location of
 * `backend`: for Postgres one server per file (started here, stopped after) and a schema per test.
 */
export function storeHarness(backend: StoreBackend): StoreHarness {
  let location: StoreLocation | null = null;
  let dir: string | null = null;
  let server: StartedPostgres | null = null;
  let rawBridge: PgBridge | null = null;
  if (backend === 'postgres') {
    beforeAll(async () => {
      server = await startPostgres();
    }, 120_000);
    afterAll(() => server?.stop());
    beforeEach(async () => {
      const databaseUrl = await server!.freshUrl();
      location = { path: databaseUrl, databaseUrl };
    });
    afterEach(() => {
      rawBridge?.close();
      rawBridge = null;
    });
  } else {
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'ncl-store-'));
      location = { path: join(dir, 'vault.db') };
    });
    afterEach(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
  }
  const here = (): StoreLocation => {
    if (!location) throw new Error('storeHarness: no location outside a test');
    return location;
  };
  return {
    get location() {
      return here();
    },
    open: ({ masterKey, redactor }) => openStore({ ...here(), masterKey, redactor }),
    async restartServer() {
      if (!server) throw new Error('storeHarness: only a Postgres store has a server to restart');
      rawBridge?.close();
      rawBridge = null;
      await server.restart();
    },
    rawAll(sql) {
      const { path, databaseUrl } = here();
      if (databaseUrl) {
        rawBridge ??= new PgBridge({ url: databaseUrl });
        return rawBridge.query(sql).rows as SqlRow[];
      }
      const raw = new DatabaseSync(path, { readOnly: true });
      try {
        return raw.prepare(sql).all();
      } finally {
        raw.close();
      }
    },
  };
}
