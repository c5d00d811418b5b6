import { VaultClient } from '../client/vault-client.js';
import { NanoclawError } from '../common/errors.js';
import { loadProjectSettings } from '../config/settings.js';
import type { SetupContext } from './types.js';

/** The project's vault client (ONECLI_URL and ONECLI_API_KEY, environment first, then .env), as the vault step left them. */
export async function projectVault(ctx: SetupContext): Promise<VaultClient> {
  if (ctx.client) return ctx.client;
  const { settings } = await loadProjectSettings({ cwd: ctx.io.cwd, env: ctx.io.env });
  if (!settings.onecliUrl || !settings.onecliApiKey) {
    throw new NanoclawError('no_vault', 'The vault step has not recorded ONECLI_URL and ONECLI_API_KEY in .env yet', {
      hint: 'Run ncl setup again; it resumes at the vault step',
    });
  }
  ctx.io.logger.redactor.add(settings.onecliApiKey);
  ctx.client = new VaultClient({ url: settings.onecliUrl, apiKey: settings.onecliApiKey });
  return ctx.client;
}
