import { randomBytes } from 'node:crypto';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { STORE_BACKENDS, storeHarness } from '../../../test/support/store-backends.js';
import { startWriter } from '../../../test/support/store-writer-process.js';
import { Redactor } from '../../common/redact.js';
import { openStore } from './store.js';
import type { VaultStore } from './types.js';

describe.each(STORE_BACKENDS)('concurrent writers, %s store', (backend) => {
  const harness = storeHarness(backend);
  it('loses nothing and never surfaces SQLITE_BUSY: 4 processes and 2 in-process connections, 100 creates', async () => {
    const { path, databaseUrl } = harness.location;
    const key = randomBytes(32);
    const valuePrefix = `conc-${randomBytes(6).toString('hex')}-`;
    const open = () => openStore({ path, databaseUrl, masterKey: key, redactor: new Redactor() });
    const main = open();
    const second = open();
    const shared = main.agents.create({ name: 'Shared', identifier: 'shared' }).agent.id;
    const local = main.agents.create({ name: 'Local', identifier: 'local' }).agent.id;
    const prefixes = ['w0', 'w1', 'w2', 'w3'];
    const own = prefixes.map((p) => main.agents.create({ name: p, identifier: p }).agent.id);

    const writers = prefixes.map((prefix, i) =>
      startWriter({
        path, databaseUrl, key: key.toString('hex'), prefix, valuePrefix, count: 20, ownAgent: own[i], sharedAgent: shared,
      }),
    );
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.go();

    // Meanwhile, 4 async tasks of this process write through two connections of their own.
    const localIds: string[] = [];
    const task = async (t: number, store: VaultStore) => {
      for (let i = 0; i < 5; i++) {
        await tick();
        const name = `local${t}-${i}`;
        localIds.push(store.secrets.create({ name, type: 'api_key', value: valuePrefix + name, hostPattern: 'local.test' }).id);
        store.agents.setSecretIds(local, [...localIds]);
      }
    };
    await Promise.all([task(0, main), task(1, second), task(2, main), task(3, second)]);
    const results = await Promise.all(writers.map((w) => w.done));

    for (const r of results) {
      expect(r.stderr).not.toMatch(/SQLITE_BUSY|database is locked/i);
      expect(r.code, r.stderr).toBe(0);
    }
    const childIds = results.map((r) => (JSON.parse(r.stdout.split('\n')[1]!) as { ids: string[] }).ids);
    const all = main.secrets.list();
    expect(all).toHaveLength(100);
    expect(new Set(all.map((s) => s.name)).size).toBe(100);
    for (const s of all) expect(second.secrets.reveal(s.id)).toBe(valuePrefix + s.name);
    own.forEach((agentId, i) => expect(main.agents.getSecretIds(agentId)).toEqual(childIds[i]));
    // Replacing grants is atomic: the shared agent holds exactly one writer's last set, never a mix.
    const sharedGrants = main.agents.getSecretIds(shared)!;
    expect(childIds.some((ids) => JSON.stringify(ids) === JSON.stringify(sharedGrants))).toBe(true);
    expect(new Set(main.agents.getSecretIds(local))).toEqual(new Set(localIds));
    expect(main.audit.list({ limit: 1, offset: 0 }).total).toBe(80);
    // Every writer chained its rows to the one before, whoever wrote it: one chain, not forks.
    expect(main.audit.verify()).toMatchObject({ ok: true, checked: 80 });
    main.close();
    second.close();
  }, 60_000);
});
