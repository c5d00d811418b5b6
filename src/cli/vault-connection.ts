import { join } from 'node:path';
import { readEnvFile } from '../config/env-file-io.js';
import { VaultClient } from '../client/vault-client.js';
import type { Settings } from '../config/settings.js';
import type { CliContext } from './context.js';

export const DEFAULT_VAULT_URL = 'http://127.0.0.1:10254';

/** A setting from the process environment first, then the project's .env. */
export async function projectSetting(ctx: CliContext, key: string): Promise<string | undefined> {
  if (ctx.env[key]) return ctx.env[key];
  const doc = await readEnvFile(join(ctx.cwd, '.env'));
  return doc?.get(key) || undefined;
}

/** The vault client for this project: ONECLI_URL and ONECLI_API_KEY, environment first, then .env. */
export async function connectVault(ctx: CliContext): Promise<VaultClient> {
  const url = (await projectSetting(ctx, 'ONECLI_URL')) ?? DEFAULT_VAULT_URL;
  const apiKey = await projectSetting(ctx, 'ONECLI_API_KEY');
  if (apiKey) ctx.logger.redactor.add(apiKey);
  return new VaultClient({ url, ...(apiKey ? { apiKey } : {}) });
}

/** The same client from settings already loaded (ONECLI_URL and ONECLI_API_KEY among them), without reading .env again. */
export function vaultClientFor(ctx: CliContext, settings: Pick<Settings, 'onecliUrl' | 'onecliApiKey'>): VaultClient {
  const apiKey = settings.onecliApiKey;
  if (apiKey) ctx.logger.redactor.add(apiKey);
  return new VaultClient({ url: settings.onecliUrl ?? DEFAULT_VAULT_URL, ...(apiKey ? { apiKey } : {}) });
}
