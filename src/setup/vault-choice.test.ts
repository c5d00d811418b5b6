import { describe, expect, it } from 'vitest';
import { decideVaultPath, localInstallServes, vaultCandidates, type VaultFacts } from './vault-choice.js';

const facts = (f: Partial<VaultFacts>): VaultFacts => ({ requested: undefined, reinstall: false, remoteHost: undefined, working: null, canAsk: false, ...f });
const URL_A = 'http://127.0.0.1:10254';

describe('decideVaultPath', () => {
  it('installs fresh when no vault works, and replaces it only with --reinstall', () => {
    expect(decideVaultPath(facts({}))).toEqual({ path: 'fresh', recreate: false });
    expect(decideVaultPath(facts({ reinstall: true }))).toEqual({ path: 'fresh', recreate: true });
    expect(decideVaultPath(facts({ working: URL_A, reinstall: true }))).toEqual({ path: 'fresh', recreate: true });
  });

  it('never disturbs a working vault by default: reuse without a terminal or with --yes, ask on a terminal', () => {
    expect(decideVaultPath(facts({ working: URL_A }))).toEqual({ path: 'reuse', url: URL_A });
    expect(decideVaultPath(facts({ working: URL_A, canAsk: true }))).toEqual({ path: 'ask', url: URL_A });
    // --vault fresh on a working local vault: `vault up` keeps a matching container as it is.
    expect(decideVaultPath(facts({ working: URL_A, requested: 'fresh' }))).toEqual({ path: 'fresh', recreate: false });
  });

  it('takes the remote path when NANOCLAW_ONECLI_API_HOST is set or --vault remote is asked for', () => {
    expect(decideVaultPath(facts({ remoteHost: 'https://vault.example.com', working: URL_A }))).toEqual({ path: 'remote' });
    expect(decideVaultPath(facts({ requested: 'remote', remoteHost: 'https://vault.example.com' }))).toEqual({ path: 'remote' });
    expect(() => decideVaultPath(facts({ requested: 'remote' }))).toThrow(/NANOCLAW_ONECLI_API_HOST/);
    // An explicit local choice wins over the remote setting.
    expect(decideVaultPath(facts({ requested: 'fresh', remoteHost: 'https://vault.example.com' }))).toEqual({ path: 'fresh', recreate: false });
  });

  it('--vault reuse needs a working vault', () => {
    expect(decideVaultPath(facts({ requested: 'reuse', working: URL_A }))).toEqual({ path: 'reuse', url: URL_A });
    expect(() => decideVaultPath(facts({ requested: 'reuse' }))).toThrow(/no working vault/);
  });
});

describe('vaultCandidates', () => {
  it('tries ONECLI_URL first, then the local port, once each', () => {
    expect(vaultCandidates({ onecliUrl: 'https://v.example.com/', vaultPort: 10254 })).toEqual(['https://v.example.com', URL_A]);
    expect(vaultCandidates({ onecliUrl: URL_A, vaultPort: 10254 })).toEqual([URL_A]);
    expect(vaultCandidates({ onecliUrl: undefined, vaultPort: 4000 })).toEqual(['http://127.0.0.1:4000']);
  });
});

describe('localInstallServes', () => {
  it('is true only when the new local vault is the one ONECLI_URL names', () => {
    expect(localInstallServes({ onecliUrl: undefined, vaultPort: 10254, remoteHost: undefined })).toBe(true);
    expect(localInstallServes({ onecliUrl: URL_A, vaultPort: 10254, remoteHost: undefined })).toBe(true);
    expect(localInstallServes({ onecliUrl: 'http://localhost:10254', vaultPort: 10254, remoteHost: undefined })).toBe(true);
    expect(localInstallServes({ onecliUrl: 'http://127.0.0.1:9', vaultPort: 10254, remoteHost: undefined })).toBe(false);
    expect(localInstallServes({ onecliUrl: 'https://vault.example.com', vaultPort: 10254, remoteHost: undefined })).toBe(false);
    expect(localInstallServes({ onecliUrl: undefined, vaultPort: 10254, remoteHost: 'https://vault.example.com' })).toBe(false);
  });
});
