import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/redact.js';
import { startVault, type RunningVault, type VaultServerOptions } from '../../src/vault/server.js';
import { startReplicaRegistry } from '../../src/vault/api/replica-registry.js';
import { PgBridge } from '../../src/vault/store/pg-bridge.js';
import { until } from '../support/native-tls-peers.js';
import { runCliInProcess } from '../support/in-process-cli.js';
import { storeHarness } from '../support/store-backends.js';

const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;
let dir: string | null = null;
const vaults: RunningVault[] = [];

afterEach(async () => {
  for (const v of vaults.splice(0)) await v.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

async function start(name: string, o: { databaseUrl?: string; key: string }): Promise<RunningVault> {
  dir ??= mkdtempSync(join(tmpdir(), 'ncl-replica-health-'));
  const dataDir = join(dir, name);
  mkdirSync(dataDir, { mode: 0o700 });
  writeFileSync(join(dataDir, 'master.key'), o.key, { mode: 0o600 });
  const options: VaultServerOptions = {
    dataDir,
    ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
    env: {},
    logger: new Logger({ level: 'warn', sink: memorySink(), redactor: new Redactor() }),
    version: '0.0.0-test',
    api: { host: '127.0.0.1', port: 0 },
    gateway: false,
  };
  const vault = await startVault(options);
  vaults.push(vault);
  return vault;
}

async function health(v: RunningVault) {
  const res = await fetch(`${v.api.url}/api/health`);
  const text = await res.text();
  expect(text).not.toContain(PASSWORD);
  return JSON.parse(text);
}

describe('health names the store and the live replicas', () => {
  const harness = storeHarness('postgres');

  it('on Postgres: every vault process on the database, which answered, and never the password', async () => {
    const url = new URL(harness.location.databaseUrl!);
    url.password = PASSWORD; // trust auth ignores it; it must show nowhere
    const databaseUrl = url.toString();
    const key = randomBytes(32).toString('hex');
    const a = await start('a', { databaseUrl, key });
    const b = await start('b', { databaseUrl, key });

    const fromA = await health(a);
    expect(fromA).toMatchObject({ status: 'ok', store: 'postgres', storeLocation: { kind: 'postgres', host: '127.0.0.1', database: 'postgres' } });
    expect(fromA.storeLocation.schema).toMatch(/^vault_\d+$/);
    expect(fromA.replicas.live).toBe(2);
    expect(fromA.replicas.list.map((r: { pid: number; self: boolean }) => [r.pid, r.self])).toEqual([[process.pid, true], [process.pid, false]]);
    const fromB = await health(b);
    expect(fromB.replicas.list.map((r: { self: boolean }) => r.self)).toEqual([false, true]);
    expect(new Set([...fromA.replicas.list, ...fromB.replicas.list].map((r: { id: string }) => r.id)).size).toBe(2);

    // `ncl vault status` shows the same, through the API.
    const apiKey = a.createdApiKey!;
    const status = await runCliInProcess(['vault', 'status'], { cwd: dir!, env: { HOME: dir!, ONECLI_URL: a.api.url, ONECLI_API_KEY: apiKey } });
    expect(status.code, status.stderr).toBe(0);
    expect(status.json).toMatchObject({ store: 'postgres', storeLocation: { host: '127.0.0.1' }, replicas: { live: 2 } });
    expect(status.stdout).not.toContain(PASSWORD);

    // A process not seen lately is not live; one that stopped is gone at once.
    const raw = new PgBridge({ url: harness.location.databaseUrl! });
    try {
      raw.query(`INSERT INTO nanoclaw_replicas (id, host, pid, version, seen_at) VALUES ('rep_stale', 'gone', 1, 'x', now() - interval '1 minute')`);
    } finally {
      raw.close();
    }
    expect((await health(a)).replicas.live).toBe(2);
    await vaults.pop()!.close();
    expect((await health(a)).replicas).toMatchObject({ live: 1, list: [{ self: true }] });
  });

  it('a heartbeat keeps a replica live: one not seen lately drops out until its next beat', async () => {
    const logger = new Logger({ level: 'warn', sink: memorySink(), redactor: new Redactor() });
    const registry = startReplicaRegistry({ databaseUrl: harness.location.databaseUrl!, version: 'v', logger, heartbeatMs: 100 });
    const raw = new PgBridge({ url: harness.location.databaseUrl! });
    try {
      expect(registry.live()).toHaveLength(1);
      raw.query(`UPDATE nanoclaw_replicas SET seen_at = now() - interval '1 hour'`);
      expect(registry.live()).toEqual([]);
      await until(() => registry.live()?.length === 1, 'the next heartbeat');
      registry.close();
      expect(raw.query('SELECT id FROM nanoclaw_replicas').rows).toEqual([]);
    } finally {
      registry.close();
      raw.close();
    }
  });

  it('on SQLite: the file, and this process alone', async () => {
    const v = await start('solo', { key: randomBytes(32).toString('hex') });
    expect(await health(v)).toMatchObject({
      store: 'sqlite',
      storeLocation: { kind: 'sqlite', path: join(dir!, 'solo', 'vault.db') },
      replicas: { live: 1, list: [{ pid: process.pid, self: true, lastSeenSecondsAgo: 0 }] },
    });
  });
});
