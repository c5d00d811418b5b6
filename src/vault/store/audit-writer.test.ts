import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findPackageRoot } from '../../common/package-layout.js';
import { Redactor } from '../../common/redact.js';
import type { NewAuditEntry } from '../model/records.js';
import { chainKey } from './audit-chain.js';
import { createAuditRepo } from './audit-repo.js';
import { AuditWriter, writtenBy } from './audit-writer.js';
import { openDatabase } from './db.js';
import { openStore } from './store.js';
import type { VaultStore } from './types.js';

let dir: string;
let path: string;
let key: Buffer;
let store: VaultStore;
let reported: string[];

const entry = (i: number, path = `/repos/${i}`): NewAuditEntry => ({
  time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  agentId: null,
  agentIdentifier: `agent-${i % 3}`,
  method: 'GET',
  host: 'API.github.com',
  path,
  secretName: i % 2 ? 'GitHub' : null,
  decision: i % 2 ? 'injected' : 'passthrough',
  status: 200,
  bytesIn: i,
  bytesOut: i * 10,
  durationMs: 1.5,
  reason: null,
});
const batch = (from: number, n: number) => Array.from({ length: n }, (_, k) => entry(from + k));

/** Rows in the file as another connection sees them (committed only). */
function committed(): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return Number(db.prepare('SELECT count(*) AS n FROM audit').get()!.n);
  } finally {
    db.close();
  }
}

/** Holds the file's write lock on a connection of its own until released. */
function holdWriteLock(): { release(): void } {
  const db = new DatabaseSync(path);
  db.exec('BEGIN IMMEDIATE');
  return {
    release() {
      db.exec('COMMIT');
      db.close();
    },
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-audit-writer-'));
  path = join(dir, 'vault.db');
  key = randomBytes(32);
  reported = [];
  store = openStore({ path, masterKey: key, redactor: new Redactor(), onBackgroundError: (m) => reported.push(m) });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the SQLite audit writer', () => {
  it('does not make the caller wait for the database: a batch sent while another connection holds the write lock returns at once and is written after', () => {
    store.audit.settle();
    const lock = holdWriteLock();
    // Written on this thread, the batch would wait the 30 s busy timeout for the lock.
    store.audit.appendMany(batch(0, 3));
    expect(committed()).toBe(0);
    lock.release();
    expect(store.audit.list({ limit: 10, offset: 0 }).total).toBe(3);
    expect(reported).toEqual([]);
  });

  it('waits for the writer once 64 batches are in flight, so a stalled writer cannot hold the memory of a busy gateway', async () => {
    store.audit.settle();
    // Another process holds the write lock for a while; this thread cannot release one while it waits.
    const holder = execa(process.execPath, [
      '--input-type=module',
      '-e',
      `import { DatabaseSync } from 'node:sqlite';
       const db = new DatabaseSync(${JSON.stringify(path)});
       db.exec('BEGIN IMMEDIATE');
       console.log('locked');
       setTimeout(() => { db.exec('COMMIT'); db.close(); }, 1500);`,
    ]);
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    for (let b = 0; b < 64; b++) store.audit.appendMany(batch(b * 2, 2));
    expect(committed()).toBe(0);
    store.audit.appendMany(batch(128, 2));
    // The 65th batch waited until the 64 before it were written.
    expect(committed()).toBeGreaterThanOrEqual(128);
    await holder;
    expect(store.audit.verify()).toMatchObject({ ok: true, checked: 130 });
  });

  it('keeps one chain with rows from its thread and from this one, in the order they were sent, over generated batches', () => {
    let sent = 0;
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let round = 0; round < 40; round++) {
      const n = next() % 300;
      store.audit.appendMany(batch(sent, n));
      sent += n;
      if (next() % 4 === 0) store.audit.append(entry(sent++));
    }
    const report = store.audit.verify();
    expect(report).toMatchObject({ ok: true, checked: sent, firstBad: null });
    const rows = store.audit.list({ limit: sent, offset: 0 }).data.reverse();
    expect(rows.map((r) => r.bytesIn)).toEqual(Array.from({ length: sent }, (_, i) => i));
    // Checked as on this thread: hosts in lower case.
    expect(new Set(rows.map((r) => r.host))).toEqual(new Set(['api.github.com']));
  });

  it('throws at once on a row with a bad time, sending nothing of its batch', () => {
    expect(() => store.audit.appendMany([entry(1), { ...entry(2), time: 'not a time' }])).toThrow(/time: "not a time" is not a date/);
    expect(store.audit.list({ limit: 10, offset: 0 }).total).toBe(0);
  });

  it('reports a batch it could not write by its size, never its rows, and writes the next batches onto the chain', () => {
    const db = new DatabaseSync(path);
    db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'refused by a test'); END`);
    store.audit.appendMany([entry(1, '/secret-looking/path-abc'), entry(2)]);
    store.audit.settle();
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatch(/Could not write 2 audit row\(s\): .*refused by a test/);
    expect(reported[0]).not.toContain('secret-looking');
    db.exec('DROP TRIGGER refuse');
    db.close();
    store.audit.appendMany(batch(3, 4));
    expect(store.audit.verify()).toMatchObject({ ok: true, checked: 4 });
  });

  it('writes everything sent before close, and a process that ends without closing writes its batches before it exits', async () => {
    store.audit.appendMany(batch(0, 500));
    store.close();
    expect(committed()).toBe(500);
    // Another process, from the build: it sends a batch and leaves its event loop to run dry.
    const built = join(findPackageRoot(), 'dist/src/vault/store/store.js');
    const script = `const { openStore } = await import(${JSON.stringify(built)});
      const store = openStore({ path: ${JSON.stringify(path)}, masterKey: Buffer.from(${JSON.stringify(key.toString('hex'))}, 'hex'), redactor: { add() {} } });
      store.audit.appendMany(${JSON.stringify(batch(500, 300))});`;
    await execa(process.execPath, ['--input-type=module', '-e', script]);
    expect(committed()).toBe(800);
    store = openStore({ path, masterKey: key, redactor: new Redactor() });
    expect(store.audit.verify()).toMatchObject({ ok: true, checked: 800 });
  });

  it.runIf(process.platform === 'linux')('runs its thread below the default priority, so its transactions yield to the request path', () => {
    const threads = () =>
      readdirSync('/proc/self/task').map((tid) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        // After "pid (name) " come the fields from the 3rd (state) on: nice is the 19th.
        return { tid, nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) };
      });
    const before = new Set(threads().map((t) => t.tid));
    store.audit.appendMany(batch(0, 1));
    store.audit.settle();
    const started = threads().filter((t) => !before.has(t.tid));
    expect(started.some((t) => t.nice === 19)).toBe(true);
  });

  it('refuses a read inside a transaction while batches are in flight, rather than wait out the busy timeout for its own lock', () => {
    const db = openDatabase(path);
    const writer = new AuditWriter({ path, chainKey: chainKey(key), onError: (m) => reported.push(m) });
    try {
      const audit = writtenBy(createAuditRepo({ db, chainKey: chainKey(key) }), writer, db);
      const lock = holdWriteLock();
      audit.appendMany(batch(0, 2));
      db.exec('BEGIN');
      expect(() => audit.list({ limit: 10, offset: 0 })).toThrow(/inside a transaction with audit batches in flight/);
      db.exec('ROLLBACK');
      lock.release();
      expect(audit.list({ limit: 10, offset: 0 }).total).toBe(2);
    } finally {
      writer.close();
      db.close();
    }
  });
});
