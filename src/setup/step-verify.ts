import { NanoclawError } from '../common/errors.js';
import { projectVault } from './project-vault.js';
import { recordedFor } from './setup-state.js';
import type { SetupStep } from './types.js';

/**
 * Verify: the vault answers health, accepts the API key, and serves the agent's container
 * config. Skipped once recorded for this vault and group: fetching the config mints a new
 * agent token, which would cut off an agent already running.
 */
export const verifyStep: SetupStep = {
  id: 'verify',
  title: 'Verify',
  async isDone(ctx) {
    const client = await projectVault(ctx);
    const done = recordedFor(ctx.state, 'verify', { vaultUrl: client.url, group: ctx.options.group });
    if (done) ctx.summary.verified = true;
    return done;
  },
  async run(ctx, say) {
    const client = await projectVault(ctx);
    const health = await client.health();
    say(`Vault at ${client.url} is healthy (${health.service} ${health.version})`);
    const secrets = await client.listSecrets();
    say(`The API key works (${secrets.data.length} secret(s) in the vault)`);
    const config = await client.containerConfig(ctx.options.group);
    if (!config.env.HTTPS_PROXY || !config.caCertificate) {
      throw new NanoclawError('verify_failed', `The vault at ${client.url} served a container config for ${ctx.options.group} without a proxy or CA certificate`, {
        hint: 'Check that ONECLI_URL points at a nanoclaw or OneCLI vault (ncl vault status), then run ncl setup again',
      });
    }
    say(`The container config of ${ctx.options.group} is served (proxy and CA certificate)`);
    ctx.summary.verified = true;
  },
};
