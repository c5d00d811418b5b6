import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../../common/logger.js';
import { Redactor } from '../../common/redact.js';
import { startAuditRetention } from './audit-retention.js';
import { openStore } from './store.js';
import type { VaultStore } from './types.js';

const NOW = Date.UTC(2026, 5, 1);
const DAY = 86_400_000;
let dir: string;
let store: VaultStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-audit-retention-'));
  store = openStore({ path: join(dir, 'vault.db'), masterKey: randomBytes(32), redactor: new Redactor() });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const row = (ageDays: number) => ({
  time: new Date(NOW - ageDays * DAY).toISOString(),
  agentId: null,
  agentIdentifier: 'main',
  method: 'GET',
  host: 'api.github.com',
  path: '/',
  secretName: null,
  decision: 'passthrough' as const,
  status: 200,
  bytesIn: 0,
  bytesOut: 0,
  durationMs: 1,
  reason: null,
});

describe('audit retention', () => {
  it('removes rows past the period in small batches, yielding between them, and the chain still verifies', async () => {
    // 1,050 rows of 40 days ago, then 20 of yesterday.
    store.audit.appendMany([...Array.from({ length: 1050 }, () => row(40)), ...Array.from({ length: 20 }, () => row(1))]);
    const logger = new Logger({ level: 'error', redactor: new Redactor(), sink: memorySink() });
    const retention = startAuditRetention({ audit: store.audit, days: 30, logger, batch: 100, now: () => NOW });
    let turns = 0;
    const counting = setInterval(() => turns++, 0);
    // The scheduled first pass joins this one: one pass at a time.
    const removed = await retention.runOnce();
    clearInterval(counting);
    retention.stop();
    expect(removed).toBe(1050);
    expect(store.audit.list({ limit: 1000, offset: 0 }).total).toBe(20);
    // 11 batches: the event loop ran between them.
    expect(turns).toBeGreaterThan(0);
    expect(store.audit.verify()).toMatchObject({ ok: true, checked: 20, prunedThroughId: 1050 });
  });

  it('keeps everything inside the period', async () => {
    store.audit.appendMany([row(29), row(2)]);
    const retention = startAuditRetention({ audit: store.audit, days: 30, logger: new Logger({ level: 'error', redactor: new Redactor(), sink: memorySink() }), now: () => NOW });
    expect(await retention.runOnce()).toBe(0);
    retention.stop();
    expect(store.audit.list({ limit: 10, offset: 0 }).total).toBe(2);
  });
});
