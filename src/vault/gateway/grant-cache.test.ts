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
