import { VaultClient } from '../client/vault-client.js';
import { NanoclawError } from '../common/errors.js';
import { setEnvValue, type EnvDocument } from '../config/env-file.js';
import { updateEnvFile } from '../config/env-file-io.js';
import { loadProjectSettings, type Settings } from '../config/settings.js';
import { ensureRemoteRelay } from './remote-relay.js';
import { recordedFor } from './setup-state.js';
import type { SetupContext, SetupStep } from './types.js';
import { decideVaultPath, vaultCandidates } from './vault-choice.js';
import { connectRemoteVault, findWorkingVault, probeVault } from './vault-probe.js';

const LOCKDOWN = 'NANOCLAW_EGRESS_LOCKDOWN';

const settingsOf = async (ctx: SetupContext) => (await loadProjectSettings({ cwd: ctx.io.cwd, env: ctx.io.env })).settings;
const canAsk = (ctx: SetupContext) => ctx.io.asker.interactive && !ctx.options.yes;

/** --lockdown/--no-lockdown, else the question (terminal), else the current setting. */
async function chooseLockdown(ctx: SetupContext, current: boolean): Promise<boolean> {
  if (ctx.options.lockdown !== undefined) return ctx.options.lockdown;
  if (!canAsk(ctx)) return current;
  return ctx.io.asker.confirm('Turn on egress lockdown (agents reach nothing but the vault gateway)?', current);
}

/** One atomic .env write: the vault's URL and key, and the lockdown setting when it changes. */
async function recordVault(ctx: SetupContext, values: { url: string; apiKey?: string; lockdown: boolean; settings: Settings }): Promise<void> {
  await updateEnvFile(ctx.envFile, (doc: EnvDocument) => {
    setEnvValue(doc, 'ONECLI_URL', values.url);
    if (values.apiKey) setEnvValue(doc, 'ONECLI_API_KEY', values.apiKey);
    if (values.lockdown !== values.settings.egressLockdown || ctx.options.lockdown !== undefined) setEnvValue(doc, LOCKDOWN, String(values.lockdown));
  });
  ctx.summary.lockdown = values.lockdown;
}

async function remotePath(ctx: SetupContext, settings: Settings, lockdown: boolean, say: (line: string) => void): Promise<void> {
  const host = settings.remoteApiHost as string;
  const token = settings.remoteApiToken;
  if (!token) {
    throw new NanoclawError('remote_token_missing', `NANOCLAW_ONECLI_API_HOST is ${host} but NANOCLAW_ONECLI_API_TOKEN is not set`, {
      hint: 'Add NANOCLAW_ONECLI_API_TOKEN=oc_… (from the vault’s owner) to .env, then run ncl setup again',
    });
  }
  ctx.io.logger.redactor.add(token);
  say(`Checking the remote vault at ${host}…`);
  ctx.client = await connectRemoteVault({ host, token, timeoutMs: Math.min(ctx.options.timeoutMs, 15_000) });
  // Written only after both checks passed: a bad host or token leaves .env as it was.
  await recordVault(ctx, { url: ctx.client.url, apiKey: token, lockdown, settings });
  ctx.summary.vault = { path: 'remote', url: ctx.client.url };
  if (lockdown) await ensureRemoteRelay(ctx, say);
}

/** Vault: fresh install (default), reuse a working one untouched, or a remote vault. */
export const vaultStep: SetupStep = {
  id: 'vault',
  title: 'Vault',
  async isDone(ctx) {
    const o = ctx.options;
    if (o.vault !== undefined || o.reinstall || o.lockdown !== undefined) return false;
    const s = await settingsOf(ctx);
    if (!s.onecliUrl || !recordedFor(ctx.state, 'vault', { vaultUrl: s.onecliUrl })) return false;
    if ((await probeVault({ url: s.onecliUrl, apiKey: s.onecliApiKey })) !== 'working') return false;
    ctx.summary.vault = { path: s.remoteApiHost ? 'remote' : 'reuse', url: s.onecliUrl };
    ctx.summary.lockdown = s.egressLockdown;
    return true;
  },
  async run(ctx, say) {
    const settings = await settingsOf(ctx);
    if (settings.onecliApiKey) ctx.io.logger.redactor.add(settings.onecliApiKey);
    const probing = ctx.options.vault !== 'remote' && !(ctx.options.vault === undefined && settings.remoteApiHost);
    const working = probing ? await findWorkingVault(vaultCandidates({ onecliUrl: settings.onecliUrl, vaultPort: settings.vaultPort }), settings.onecliApiKey) : null;
    let decision = decideVaultPath({ requested: ctx.options.vault, reinstall: ctx.options.reinstall, remoteHost: settings.remoteApiHost, working, canAsk: canAsk(ctx) });
    if (decision.path === 'ask') {
      const reuse = await ctx.io.asker.confirm(`A working vault answers at ${decision.url}. Keep using it as it is? (no: reinstall the local vault)`, true);
      decision = reuse ? { path: 'reuse', url: decision.url } : { path: 'fresh', recreate: true };
    }
    const lockdown = await chooseLockdown(ctx, settings.egressLockdown);
    if (decision.path === 'remote') return remotePath(ctx, settings, lockdown, say);
    if (decision.path === 'reuse') {
      say(`Reusing the vault at ${decision.url}; it is left running as it is`);
      await recordVault(ctx, { url: decision.url, ...(settings.onecliApiKey ? { apiKey: settings.onecliApiKey } : {}), lockdown, settings });
      ctx.client = new VaultClient({ url: decision.url, ...(settings.onecliApiKey ? { apiKey: settings.onecliApiKey } : {}) });
      ctx.summary.vault = { path: 'reuse', url: decision.url };
      return;
    }
    say(decision.recreate ? 'Reinstalling the local vault container…' : 'Installing the local vault (image, networks, volume, master key, API key)…');
    const installed = await ctx.services.installVault({ recreate: decision.recreate, progress: say });
    const after = await settingsOf(ctx);
    await recordVault(ctx, { url: installed.url, lockdown, settings: after });
    // The install may have written a new API key to .env.
    if (after.onecliApiKey) ctx.io.logger.redactor.add(after.onecliApiKey);
    ctx.client = new VaultClient({ url: installed.url, ...(after.onecliApiKey ? { apiKey: after.onecliApiKey } : {}) });
    ctx.summary.vault = { path: 'fresh', url: installed.url, container: installed.container, id: installed.id, action: installed.action };
  },
};
