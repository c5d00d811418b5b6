import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pick, seededRandom } from '../../../test/support/seeded-random.js';
import { Redactor } from '../../common/redact.js';
import type { NewAuditEntry } from '../model/records.js';
import { chainedFields, chainKey, macHex, rowHash } from './audit-chain.js';
import { CHAINED_COLUMNS, toEntry } from './audit-rows.js';
import { openDatabase } from './db.js';
import { MIGRATIONS, migrate } from './migrations.js';
import { openStore } from './store.js';
import type { VaultStore } from './types.js';

let dir: string;
let path: string;
let key: Buffer;
let store: VaultStore;

const entry = (i: number): NewAuditEntry => ({
  time: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
  agentId: null,
  agentIdentifier: `agent-${i % 3}`,
  method: 'GET',
  host: 'api.github.com',
  path: `/repos/${i}`,
  secretName: i % 2 ? 'GitHub' : null,
  decision: i % 2 ? 'injected' : 'passthrough',
  status: 200,
  bytesIn: 0,
  bytesOut: i * 10,
  durationMs: 1.5,
  reason: null,
});

/** Edits the file as an attacker without the master key would: plain SQL on another connection. */
function tamper(sql: string, ...params: (string | number)[]): void {
  const db = new DatabaseSync(path);
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-audit-chain-'));
  path = join(dir, 'vault.db');
  key = randomBytes(32);
  store = openStore({ path, masterKey: key, redactor: new Redactor() });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the audit hash chain', () => {
  it('MACs with SHA3-256 over the derived key and the message, as node:crypto computes it, for generated keys and messages', () => {
    const r = seededRandom(2104);
    for (let i = 0; i < 200; i++) {
      const master = randomBytes(32);
      const message = Buffer.from(Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256))).toString('latin1');
      const derived = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'nanoclaw audit chain v1', 32));
      expect(macHex(chainKey(master), message)).toBe(createHash('sha3-256').update(derived).update(message).digest('hex'));
      // Another master key gives another MAC.
      expect(macHex(chainKey(randomBytes(32)), message)).not.toBe(macHex(chainKey(master), message));
    }
  });

  it('lists the chained fields in the order of the columns every INSERT names', () => {
    const r = seededRandom(1419);
    for (let i = 0; i < 50; i++) {
      const e = { ...entry(Math.floor(r() * 1000)), time: new Date(Math.floor(r() * 2e12)).toISOString(), status: r() < 0.2 ? null : 200 + i, reason: r() < 0.5 ? null : `r${i}` };
      const fields = chainedFields(e);
      const row = Object.fromEntries([['id', i], ...CHAINED_COLUMNS.map(([name], k) => [name, fields[k]])]);
      expect(toEntry(row)).toEqual({ id: i, ...e });
    }
  });

  it('stores SHA-256 over the derived key in hex and the message, cut to 128 bits, for generated rows', () => {
    const r = seededRandom(1417);
    const text = (n: number) => String.fromCodePoint(...Array.from({ length: n }, () => 32 + Math.floor(r() * 0x2ff)));
    for (let i = 0; i < 200; i++) {
      const master = randomBytes(32);
      const derived = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'nanoclaw audit chain v1', 32));
      const row = { ...entry(i), time: entry(i).time!, path: `/${text(Math.floor(r() * 80))}`, reason: r() < 0.5 ? null : text(8) };
      const prev = r() < 0.1 ? '' : randomBytes(16).toString('hex');
      const fields = [row.time, row.agentId, row.agentIdentifier, row.method, row.host, row.path, row.secretName, row.decision, row.status, row.bytesIn, row.bytesOut, row.durationMs, row.reason];
      const expected = createHash('sha256').update(derived.toString('hex')).update(`${prev}\n${JSON.stringify(fields)}`).digest('hex').slice(0, 32);
      expect(rowHash(chainKey(master), prev, row)).toBe(expected);
      expect(rowHash(chainKey(randomBytes(32)), prev, row)).not.toBe(expected);
    }
  });

  it('MACs rows of any length under several keys in turn as the text construction does, including rows longer than any before', () => {
    const r = seededRandom(1418);
    const keys = [chainKey(randomBytes(32)), chainKey(randomBytes(32))];
    const expected = (k: Buffer, prev: string, fields: unknown[]) =>
      createHash('sha256').update(k.toString('hex')).update(`${prev}\n${JSON.stringify(fields)}`).digest('hex').slice(0, 32);
    for (let i = 0; i < 120; i++) {
      // Lengths from empty to well past the first buffer, in no order; characters from ASCII to astral and lone surrogates.
      const n = Math.floor(r() ** 3 * 9_000);
      const path = String.fromCharCode(...Array.from({ length: n }, () => (r() < 0.7 ? 32 + Math.floor(r() * 95) : Math.floor(r() * 0xffff))));
      const row = { ...entry(i), time: entry(i).time!, path };
      const k = pick(r, keys);
      const prev = r() < 0.1 ? '' : r() < 0.5 ? randomBytes(16).toString('hex') : String.fromCharCode(0xd800, 0xe9, 0x41);
      expect(rowHash(k, prev, row)).toBe(expected(k, prev, chainedFields(row)));
    }
  });

  it('verifies a log whose rows carry each MAC written so far (SHA3 whole, SHA3 cut, SHA-256 cut), and finds a changed row of each', () => {
    store.audit.appendMany([entry(1), entry(2), entry(3), entry(4), entry(5), entry(6)]);
    // Rows 1-2 as first written (SHA3-256 whole), 3-4 as next (its first 32 digits), 5-6 as now.
    const ck = chainKey(key);
    let prev = '';
    for (const e of store.audit.list({ limit: 10, offset: 0 }).data.reverse()) {
      const fields = [e.time, e.agentId, e.agentIdentifier, e.method, e.host, e.path, e.secretName, e.decision, e.status, e.bytesIn, e.bytesOut, e.durationMs, e.reason];
      const sha3 = macHex(ck, `${prev}\n${JSON.stringify(fields)}`);
      const hash = e.id <= 2 ? sha3 : e.id <= 4 ? sha3.slice(0, 32) : rowHash(ck, prev, e);
      tamper('UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?', prev, hash, e.id);
      prev = hash;
    }
    expect(store.audit.verify()).toMatchObject({ ok: true, checked: 6 });
    for (const id of [2, 3, 6]) {
      tamper('UPDATE audit SET bytes_out = bytes_out + 1 WHERE id = ?', id);
      expect(store.audit.verify().firstBad).toMatchObject({ id, problem: 'changed' });
      tamper('UPDATE audit SET bytes_out = bytes_out - 1 WHERE id = ?', id);
    }
    expect(store.audit.verify()).toMatchObject({ ok: true, checked: 6 });
  });

  it('stores the first 128 bits of each MAC; a log from before with all 256 bits still verifies, and a hash of another length is changed', () => {
    store.audit.appendMany([entry(1), entry(2), entry(3)]);
    // Rewrite the log as the version before wrote it: every row's whole MAC, chained.
    const ck = chainKey(key);
    let prev = '';
    for (const e of store.audit.list({ limit: 10, offset: 0 }).data.reverse()) {
      const who = [e.time, e.agentId, e.agentIdentifier, e.method, e.host, e.path, e.secretName, e.decision];
      const fields = [...who, e.status, e.bytesIn, e.bytesOut, e.durationMs, e.reason];
      const full = macHex(ck, `${prev}\n${JSON.stringify(fields)}`);
      tamper('UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?', prev, full, e.id);
      prev = full;
    }
    store.audit.appendMany([entry(4), entry(5)]);
    const lengths = (): number[] => {
      const db = new DatabaseSync(path);
      try {
        return db.prepare('SELECT length(hash) AS n FROM audit ORDER BY id').all().map((row) => Number(row.n));
      } finally {
        db.close();
      }
    };
    expect(store.audit.verify()).toMatchObject({ ok: true, checked: 5 });
    expect(lengths()).toEqual([64, 64, 64, 32, 32]);
    // A stored hash cut shorter (or an old one cut to 32 digits) is not the row's MAC.
    tamper('UPDATE audit SET hash = substr(hash, 1, 31) WHERE id = 4');
    expect(store.audit.verify().firstBad).toMatchObject({ id: 4, problem: 'changed' });
  });

  it('verifies an untouched log and reports its head', () => {
    store.audit.appendMany([entry(1), entry(2), entry(3)]);
    store.audit.append(entry(4));
    const report = store.audit.verify();
    expect(report).toMatchObject({ ok: true, checked: 4, legacy: 0, firstBad: null, prunedThroughId: null });
    expect(report.head?.id).toBe(4);
  });

  it('finds the first changed, removed or inserted row, for generated logs and edits', () => {
    const r = seededRandom(14_18);
    for (let round = 0; round < 24; round++) {
      const n = 3 + Math.floor(r() * 20);
      store.audit.appendMany(Array.from({ length: n }, (_, i) => entry(round * 100 + i)));
      const ids = store.audit.list({ limit: 1000, offset: 0 }).data.map((e) => e.id).sort((a, b) => a - b);
      // Edit a row that has a successor, so every kind of edit is told apart by the row after it.
      const at = ids[Math.floor(r() * (ids.length - 1))]!;
      const kind = pick(r, ['changed', 'removed', 'inserted', 'rehashed'] as const);
      if (kind === 'changed') tamper('UPDATE audit SET path = ? WHERE id = ?', '/innocent', at);
      if (kind === 'rehashed') tamper("UPDATE audit SET status = 500, hash = 'ab' || substr(hash, 3) WHERE id = ?", at);
      if (kind === 'removed') tamper('DELETE FROM audit WHERE id = ?', at);
      if (kind === 'inserted') {
        // A copy of a real row (valid MAC, wrong place), given an id between two rows.
        tamper('UPDATE audit SET id = id + 1000000 WHERE id > ?', at);
        tamper(
          `INSERT INTO audit (id, time, agent_id, agent_identifier, method, host, path, secret_name, decision, status,
             bytes_in, bytes_out, duration_ms, reason, prev_hash, hash)
           SELECT ? + 1, time, agent_id, agent_identifier, method, host, path, secret_name, decision, status,
             bytes_in, bytes_out, duration_ms, reason, prev_hash, hash FROM audit WHERE id = ?`,
          at,
          ids[0]!,
        );
      }
      const report = store.audit.verify();
      const expected = {
        changed: { id: at, problem: 'changed' },
        rehashed: { id: at, problem: 'changed' },
        removed: { id: ids[ids.indexOf(at) + 1]!, problem: 'removed' },
        inserted: { id: at + 1, problem: 'inserted' },
      }[kind];
      expect(report.ok, `${kind} at ${at}`).toBe(false);
      expect(report.firstBad, `${kind} at ${at}`).toMatchObject(expected);
      // Start the next round on a clean log.
      tamper('DELETE FROM audit');
    }
  });

  it('prunes a prefix of old rows in batches and records the boundary, which is not tampering', () => {
    store.audit.appendMany(Array.from({ length: 10 }, (_, i) => entry(i)));
    const cutoff = entry(6).time!; // rows 0..5 are older
    expect(store.audit.prune({ before: cutoff, batch: 4 })).toBe(4);
    expect(store.audit.prune({ before: cutoff, batch: 4 })).toBe(2);
    expect(store.audit.prune({ before: cutoff, batch: 4 })).toBe(0);
    const report = store.audit.verify();
    expect(report).toMatchObject({ ok: true, checked: 4, prunedThroughId: 6 });
    // Removing a row past the boundary is still caught.
    tamper('DELETE FROM audit WHERE id = 7');
    expect(store.audit.verify().firstBad).toMatchObject({ id: 8, problem: 'removed' });
  });

  it('cannot be re-forged without the master key: a row recomputed under another key is changed', () => {
    store.audit.appendMany([entry(1), entry(2)]);
    store.close();
    // The same file opened with another key is refused before any chain is read.
    expect(() => openStore({ path, masterKey: randomBytes(32), redactor: new Redactor() })).toThrow();
    store = openStore({ path, masterKey: key, redactor: new Redactor() });
    expect(store.audit.verify().ok).toBe(true);
  });

  it('chains a restored log anew, keeping its ids', () => {
    store.audit.appendMany(Array.from({ length: 5 }, (_, i) => entry(i)));
    const snapshot = store.snapshot.export({ includeAudit: true });
    const other = openStore({ path: join(dir, 'other.db'), masterKey: randomBytes(32), redactor: new Redactor() });
    try {
      other.snapshot.import(snapshot);
      const report = other.audit.verify();
      expect(report).toMatchObject({ ok: true, checked: 5, legacy: 0 });
      expect(other.audit.list({ limit: 10, offset: 0 }).data.map((e) => e.id)).toEqual([5, 4, 3, 2, 1]);
    } finally {
      other.close();
    }
  });
});

describe('a log written before the chain existed', () => {
  it('upgrades a version-2 file in place: its rows are legacy, new rows chain after them, edits to those are caught', () => {
    store.close();
    rmSync(path);
    const old = openDatabase(path);
    migrate(old, MIGRATIONS.slice(0, 2));
    const insert = old.prepare(
      `INSERT INTO audit (time, method, host, path, decision, bytes_in, bytes_out, duration_ms) VALUES (?, 'GET', 'api.github.com', '/old', 'passthrough', 0, 0, 1)`,
    );
    insert.run(entry(1).time!);
    insert.run(entry(2).time!);
    old.close();
    store = openStore({ path, masterKey: key, redactor: new Redactor() });
    store.audit.appendMany([entry(3), entry(4)]);
    expect(store.audit.verify()).toMatchObject({ ok: true, legacy: 2, checked: 2 });
    tamper('UPDATE audit SET hash = NULL WHERE id = 4');
    expect(store.audit.verify().firstBad).toMatchObject({ id: 4, problem: 'changed' });
  });
});
