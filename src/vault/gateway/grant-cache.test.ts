import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redactor } from '../../common/redact.js';
import { selectSecret } from '../inject/select-secret.js';
import { openStore } from '../store/store.js';
import type { VaultStore } from '../store/types.js';
import { GrantCache } from './grant-cache.js';

// A real store: selection through the cache must equal selectSecret over the agent's grants.
let dir: string;
let store: VaultStore;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-grants-'));
  store = openStore({ path: join(dir, 'vault.db'), masterKey: randomBytes(32), redactor: new Redactor() });
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const secret = (name: string, hostPattern: string, pathPattern?: string) =>
  store.secrets.create({ name, type: 'api_key', value: `v-${name}`, hostPattern, ...(pathPattern ? { pathPattern } : {}) });

describe('GrantCache.select', () => {
  it('picks the most specific secret without path patterns, the same for every path', () => {
    const exact = secret('exact', 'api.one.test');
    secret('wild', '*.one.test');
    const { agent } = store.agents.create({ name: 'a', identifier: 'a', secretMode: 'all' });
    const grants = new GrantCache({ store });
    expect(grants.select(agent.id, 'api.one.test', '/x')?.id).toBe(exact.id);
    expect(grants.select(agent.id, 'api.one.test', '/other?q=1')?.id).toBe(exact.id);
    expect(grants.select(agent.id, 'other.one.test', '/x')?.name).toBe('wild');
    expect(grants.select(agent.id, 'one.test', '/x')).toBeNull();
  });

  it('decides per path when a secret has a path pattern', () => {
    secret('v1', 'api.two.test', '/v1/*');
    secret('any', 'api.two.test');
    const { agent } = store.agents.create({ name: 'b', identifier: 'b', secretMode: 'all' });
    const grants = new GrantCache({ store });
    for (const path of ['/v1/x', '/v2/x', '/v1/../admin']) {
      const expected = selectSecret(store.agents.grantedSecrets(agent.id), { host: 'api.two.test', path });
      expect(grants.select(agent.id, 'api.two.test', path)?.id).toBe(expected?.id);
    }
    expect(grants.select(agent.id, 'api.two.test', '/v1/x')?.name).toBe('v1');
    expect(grants.select(agent.id, 'api.two.test', '/v2/x')?.name).toBe('any');
  });
});

describe('GrantCache.reveal', () => {
  it('reads a value again once its secret changed, within the TTL, and keeps each agent and host apart', async () => {
    const s1 = secret('rot-1', 'api.three.test');
    const s2 = secret('rot-2', 'api.four.test');
    const { agent: a } = store.agents.create({ name: 'c', identifier: 'c', secretMode: 'all' });
    const { agent: b } = store.agents.create({ name: 'd', identifier: 'd', secretMode: 'selective' });
    store.agents.setSecretIds(b.id, [s2.id]);
    const grants = new GrantCache({ store, ttlMs: 60_000 });
    const first = grants.reveal(grants.select(a.id, 'api.three.test', '/')!);
    expect(first).toEqual({ value: 'v-rot-1' });
    expect(grants.reveal(s1)).toBe(first);
    expect(grants.reveal(s2)).toEqual({ value: 'v-rot-2' });
    expect(grants.select(b.id, 'api.three.test', '/')).toBeNull();
    expect(grants.select(b.id, 'api.four.test', '/')?.id).toBe(s2.id);
    expect(grants.select(a.id, 'api.four.test', '/')?.id).toBe(s2.id);
    // updatedAt is to the millisecond: the change must come after it.
    await new Promise((r) => setTimeout(r, 5));
    const changed = store.secrets.update(s1.id, { value: 'v-rot-1b' })!;
    expect(changed.updatedAt).not.toBe(s1.updatedAt);
    expect(grants.reveal(changed)).toEqual({ value: 'v-rot-1b' });
  });
});
