import { describe, expect, it } from 'vitest';
import { loadSettings } from './settings.js';

const load = (env: Record<string, string>) => loadSettings({ env, envFileDoc: null });

describe('Docker settings', () => {
  it('defaults the names and the loopback port of the vault stack', () => {
    expect(load({}).settings).toMatchObject({
      gatewayContainer: 'onecli',
      egressNetwork: 'nanoclaw-egress',
      outboundNetwork: 'nanoclaw-outbound',
      vaultVolume: 'nanoclaw-vault-data',
      vaultPort: 10254,
      vaultImage: undefined,
      agentImage: undefined,
      apiAllowFrom: [],
    });
  });

  it('reads them from the environment and checks their form', () => {
    const r = load({ NANOCLAW_VAULT_PORT: '20254', NANOCLAW_VAULT_IMAGE: 'registry.local:5000/nanoclaw-vault:1.2', NANOCLAW_OUTBOUND_NETWORK: 'my-out' });
    expect(r.settings).toMatchObject({ vaultPort: 20254, vaultImage: 'registry.local:5000/nanoclaw-vault:1.2', outboundNetwork: 'my-out' });
    for (const [variable, value] of [
      ['NANOCLAW_VAULT_PORT', '70000'],
      ['NANOCLAW_VAULT_PORT', 'ten'],
      ['NANOCLAW_VAULT_IMAGE', 'Upper/Case'],
      ['NANOCLAW_VAULT_VOLUME', '-bad'],
      ['NANOCLAW_API_KEY_SHA256', 'abc'],
    ] as const) {
      const bad = load({ [variable]: value });
      expect(bad.settings, `${variable}=${value}`).toBeNull();
      expect(bad.errors[0]?.variable).toBe(variable);
    }
  });
});
