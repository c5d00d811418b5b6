import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redactor } from '../../common/redact.js';
import { KNOWN_SERVICES, serviceHosts } from '../../config/known-services.js';
import { pick, seededRandom } from '../../../test/support/seeded-random.js';
import type { SecretType } from '../model/records.js';
import { openStore } from '../store/store.js';
import type { VaultStore } from '../store/types.js';
import { buildContainerConfig } from './routes-container-config.js';

/**
 * A honeytoken is placed in the agent exactly as a real secret for the same hosts: an agent
 * granted decoys and one granted real secrets get the same container config (placeholders,
 * stubs), the proxy token aside. Generated: random sets of known services, host patterns and
 * real secret types.
 */

let dir: string;
let store: VaultStore;
const PROXY_VARS = ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-decoy-cc-'));
  store = openStore({ path: join(dir, 'vault.db'), masterKey: randomBytes(32), redactor: new Redactor() });
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const options = () => ({ store, caPem: () => '-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n' });

function seen(identifier: string) {
  const config = buildContainerConfig(options(), identifier);
  const env = Object.fromEntries(Object.entries(config.env).filter(([k]) => !PROXY_VARS.includes(k)));
  return { ...config, env };
}

describe('a honeytoken in the container config', () => {
  it.each(Array.from({ length: 40 }, (_, i) => i + 1))('looks to the agent exactly like a real secret for the same hosts (seed %i)', (seed) => {
    const r = seededRandom(seed);
    const services = KNOWN_SERVICES.filter(() => r() < 0.3);
    const real = store.agents.create({ name: 'real', identifier: `real-${seed}`, secretMode: 'selective' }).agent;
    const decoy = store.agents.create({ name: 'decoy', identifier: `decoy-${seed}`, secretMode: 'selective' }).agent;
    const realIds: string[] = [];
    const decoyIds: string[] = [];
    services.forEach((service, i) => {
      const hostPattern = pick(r, [service.hostPattern, ...serviceHosts(service)]).replace(/^\*\./, 'x.');
      const type: SecretType = pick(r, ['api_key', 'openai', service.type === 'anthropic' ? 'anthropic' : 'api_key'] as const);
      // A real Anthropic key (not an OAuth token): a decoy stands for an API key.
      const value = `${type === 'anthropic' ? 'sk-ant-api03-' : 'tok-'}${randomBytes(12).toString('hex')}`;
      realIds.push(store.secrets.create({ name: `real-${seed}-${i}`, type, value, hostPattern }).id);
      decoyIds.push(store.secrets.create({ name: `decoy-${seed}-${i}`, type: 'honeytoken', value: randomBytes(12).toString('hex'), hostPattern }).id);
    });
    store.agents.setSecretIds(real.id, realIds);
    store.agents.setSecretIds(decoy.id, decoyIds);
    const a = seen(real.identifier);
    const b = seen(decoy.identifier);
    expect(b).toEqual(a);
    // Not vacuous: some seeds grant services that bring stubs of their own.
    if (services.some((s) => (s.stubs ?? []).length > 0)) expect(b.stubs.length).toBeGreaterThan(seen(`none-${seed}`).stubs.length);
  });

  beforeAll(() => {
    for (let seed = 1; seed <= 40; seed++) store.agents.create({ name: 'none', identifier: `none-${seed}`, secretMode: 'selective' });
  });
});
