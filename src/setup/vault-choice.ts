import { UsageError } from '../common/errors.js';
import type { VaultMode } from './setup-options.js';

export interface VaultFacts {
  /** `--vault`, when given. */
  requested: VaultMode | undefined;
  reinstall: boolean;
  /** NANOCLAW_ONECLI_API_HOST, when set. */
  remoteHost: string | undefined;
  /** URL of a vault that answers with this project's API key, when one does. */
  working: string | null;
  /** True when a question may be asked (a terminal, and no --yes). */
  canAsk: boolean;
}

export type VaultDecision =
  | { path: 'remote' }
  | { path: 'reuse'; url: string }
  | { path: 'fresh'; recreate: boolean }
  /** A working vault answers: ask "reuse it?" (yes → reuse, no → fresh with recreate). */
  | { path: 'ask'; url: string };

/**
 * Which of the three vault paths to take. Pure. The default never disturbs a working vault:
 * without a terminal or with --yes it is reused; only --reinstall (or "no" to the question) replaces it.
 */
export function decideVaultPath(f: VaultFacts): VaultDecision {
  if (f.requested === 'remote' || (f.requested === undefined && f.remoteHost !== undefined)) {
    if (f.remoteHost === undefined) {
      throw new UsageError('--vault remote needs NANOCLAW_ONECLI_API_HOST (and NANOCLAW_ONECLI_API_TOKEN)', {
        hint: 'Set them in .env or the environment, e.g. NANOCLAW_ONECLI_API_HOST=https://vault.example.com NANOCLAW_ONECLI_API_TOKEN=oc_…',
      });
    }
    return { path: 'remote' };
  }
  if (f.requested === 'reuse') {
    if (f.working === null) {
      throw new UsageError('--vault reuse: no working vault answers at ONECLI_URL or the default port with ONECLI_API_KEY', {
        hint: 'Start it (ncl vault up), check ONECLI_URL and ONECLI_API_KEY in .env, or install one with: ncl setup --vault fresh',
      });
    }
    return { path: 'reuse', url: f.working };
  }
  if (f.requested === 'fresh' || f.working === null) return { path: 'fresh', recreate: f.reinstall };
  if (f.reinstall) return { path: 'fresh', recreate: true };
  return f.canAsk ? { path: 'ask', url: f.working } : { path: 'reuse', url: f.working };
}

/** The URLs where an existing vault may answer: ONECLI_URL, then the local default port. Pure. */
export function vaultCandidates(input: { onecliUrl: string | undefined; vaultPort: number }): string[] {
  const local = `http://127.0.0.1:${input.vaultPort}`;
  const urls = [input.onecliUrl, local].filter((u): u is string => Boolean(u)).map((u) => u.replace(/\/+$/, ''));
  return [...new Set(urls)];
}

/**
 * Whether installing the local vault would serve a command that found no vault: not when
 * ONECLI_URL names another address (the new vault would not be the one it talks to) or a
 * remote vault is configured. Pure.
 */
export function localInstallServes(input: { onecliUrl: string | undefined; vaultPort: number; remoteHost: string | undefined }): boolean {
  if (input.remoteHost !== undefined) return false;
  if (!input.onecliUrl) return true;
  const url = URL.parse(input.onecliUrl);
  if (!url) return false;
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  return loopback && url.protocol === 'http:' && Number(url.port || 80) === input.vaultPort;
}
