import { isIP } from 'node:net';
import { join } from 'node:path';
import { NanoclawError } from '../common/errors.js';
import { setEnvValue } from '../config/env-file.js';
import { updateEnvFile } from '../config/env-file-io.js';
import { startVault } from '../vault/server.js';
import { printLine, type CliContext } from './context.js';
import { parseListen } from './listen-address.js';
import { vaultDataDir } from './vault-store-access.js';
import { projectSetting } from './vault-connection.js';

export interface ServeFlags {
  apiListen?: string;
  gatewayListen?: string;
  gateway: boolean;
  dataDir?: string;
}

/** Runs the vault in this process until SIGINT/SIGTERM. */
export async function serveVault(ctx: CliContext, flags: ServeFlags): Promise<void> {
  const api = parseListen(flags.apiListen ?? (await projectSetting(ctx, 'NANOCLAW_VAULT_LISTEN')) ?? '127.0.0.1:10254', '--api-listen');
  const gateway = flags.gateway
    ? parseListen(flags.gatewayListen ?? (await projectSetting(ctx, 'NANOCLAW_GATEWAY_LISTEN')) ?? '127.0.0.1:10255', '--gateway-listen')
    : false;
  const extraCa = (await projectSetting(ctx, 'NANOCLAW_EXTRA_CA_CERTS'))?.split(/[,:]/).filter(Boolean) ?? [];
  const allowPrivate = (await projectSetting(ctx, 'NANOCLAW_ALLOW_PRIVATE'))?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  const apiKeySha256 = ctx.env.NANOCLAW_API_KEY_SHA256?.trim() || undefined;
  if (apiKeySha256 !== undefined && !/^[0-9a-f]{64}$/.test(apiKeySha256)) {
    throw new NanoclawError('bad_settings', 'NANOCLAW_API_KEY_SHA256 must be 64 lower-case hex characters (the SHA-256 of the API key)', {
      hint: 'Unset it, or let `ncl vault up` set it when it creates the vault container',
    });
  }
  const publicUrl = ctx.env.NANOCLAW_VAULT_PUBLIC_URL?.trim() || undefined;
  const apiAllowFrom = ctx.env.NANOCLAW_API_ALLOW_FROM?.split(',').map((s) => s.trim()).filter(Boolean);
  const badAddress = apiAllowFrom?.find((a) => isIP(a) === 0);
  if (badAddress !== undefined) {
    throw new NanoclawError('bad_settings', `NANOCLAW_API_ALLOW_FROM must list IP addresses separated by commas (not ${JSON.stringify(badAddress)})`, {
      hint: 'Unset it, or let `ncl vault up` set it when it creates the vault container',
    });
  }
  const vault = await startVault({
    dataDir: await vaultDataDir(ctx, flags.dataDir),
    env: ctx.env,
    logger: ctx.logger,
    version: ctx.version,
    api,
    gateway,
    extraCaFiles: extraCa,
    allowPrivate,
    ...(apiKeySha256 ? { apiKeySha256 } : {}),
    ...(publicUrl ? { publicUrl } : {}),
    ...(apiAllowFrom && apiAllowFrom.length > 0 ? { apiAllowFrom } : {}),
  });
  const envFile = join(ctx.cwd, '.env');
  if (vault.createdApiKey) {
    const key = vault.createdApiKey;
    ctx.logger.redactor.add(key);
    await updateEnvFile(envFile, (doc) => {
      setEnvValue(doc, 'ONECLI_URL', vault.api.url);
      setEnvValue(doc, 'ONECLI_API_KEY', key);
    });
    printLine(ctx, `Created the vault API key and wrote ONECLI_URL and ONECLI_API_KEY to ${envFile}`);
  }
  printLine(ctx, `Vault API listening on ${vault.api.url}` + (vault.gateway ? `; gateway on port ${vault.gateway.port}` : ''));
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  ctx.logger.info('Stopping vault…');
  await vault.close();
  ctx.logger.info('Stopped vault');
}
