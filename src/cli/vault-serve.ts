import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { errorMessage, NanoclawError, ReportedFailure } from '../common/errors.js';
import { setEnvValue } from '../config/env-file.js';
import { SettingsSchema } from '../config/settings-schema.js';
import { updateEnvFile } from '../config/env-file-io.js';
import { RELAUNCHED_ENV, relaunchExecArgv } from '../vault/gateway/node-flags.js';
import { startVault } from '../vault/server.js';
import { printLine, type CliContext } from './context.js';
import { untilStopSignal } from './stop-signal.js';
import { parseListen } from './listen-address.js';
import { storeDatabaseUrl, vaultDataDir } from './vault-store-access.js';
import { projectSetting } from './vault-connection.js';
import { VAULT_API_PORT, VAULT_GATEWAY_PORT } from '../config/ports.js';

export interface ServeFlags {
  apiListen?: string;
  gatewayListen?: string;
  gateway: boolean;
  dataDir?: string;
}

/** Runs the vault in this process until SIGINT/SIGTERM. */
export async function serveVault(ctx: CliContext, flags: ServeFlags): Promise<void> {
  const relaunchArgv = flags.gateway ? relaunchExecArgv(process.execArgv, process.env) : null;
  if (relaunchArgv) return relaunch(relaunchArgv);
  const apiFrom = await settingOrigin(ctx, flags.apiListen, '--api-listen', 'NANOCLAW_VAULT_LISTEN');
  const api = parseListen(apiFrom.value ?? `127.0.0.1:${VAULT_API_PORT}`, apiFrom.name);
  const gatewayFrom = await settingOrigin(ctx, flags.gatewayListen, '--gateway-listen', 'NANOCLAW_GATEWAY_LISTEN');
  const gateway = flags.gateway ? parseListen(gatewayFrom.value ?? `127.0.0.1:${VAULT_GATEWAY_PORT}`, gatewayFrom.name) : false;
  const dataDirFrom = await settingOrigin(ctx, flags.dataDir, '--data-dir', 'NANOCLAW_VAULT_DIR');
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
  const ttl = SettingsSchema.shape.approvalTtlSeconds.safeParse(await projectSetting(ctx, 'NANOCLAW_APPROVAL_TTL_SECONDS'));
  if (!ttl.success) {
    throw new NanoclawError('bad_settings', `NANOCLAW_APPROVAL_TTL_SECONDS: ${ttl.error.issues[0]?.message ?? 'invalid'}`, {
      hint: 'Set it to a number of seconds such as 180, or unset it',
    });
  }
  const retention = SettingsSchema.shape.auditRetentionDays.safeParse(await projectSetting(ctx, 'NANOCLAW_AUDIT_RETENTION_DAYS'));
  if (!retention.success) {
    throw new NanoclawError('bad_settings', `NANOCLAW_AUDIT_RETENTION_DAYS: ${retention.error.issues[0]?.message ?? 'invalid'}`, {
      hint: 'Set it to a number of days such as 90, or unset it to keep every audit row',
    });
  }
  const databaseUrl = await storeDatabaseUrl(ctx);
  const tls = SettingsSchema.shape.gatewayTls.safeParse(await projectSetting(ctx, 'NANOCLAW_GATEWAY_TLS'));
  if (!tls.success) {
    throw new NanoclawError('bad_settings', `NANOCLAW_GATEWAY_TLS: ${tls.error.issues[0]?.message ?? 'invalid'}`, {
      hint: 'Set it to auto (the default), native or node, or unset it',
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
    approvalTtlMs: ttl.data * 1000,
    ...(retention.data !== undefined ? { auditRetentionDays: retention.data } : {}),
    gatewayTls: tls.data,
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(await telegramOption(ctx)),
    ...(apiKeySha256 ? { apiKeySha256 } : {}),
    ...(publicUrl ? { publicUrl } : {}),
    ...(apiAllowFrom && apiAllowFrom.length > 0 ? { apiAllowFrom } : {}),
    settings: { dataDir: dataDirFrom.name, apiListen: apiFrom.name, gatewayListen: gatewayFrom.name, extraCaCerts: 'NANOCLAW_EXTRA_CA_CERTS' },
    command: `ncl ${process.argv.slice(2).join(' ')}`,
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
  await untilStopSignal((stop) => {
    if (process.env[RELAUNCHED_ENV] === '1' && process.channel) {
      // Re-run by `relaunch`: stop when that parent goes away, even when it was killed outright,
      // and absorb a second signal (Ctrl-C reaches both processes, and the parent passes it on).
      process.channel.unref();
      process.once('disconnect', stop);
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => {});
    }
  });
  ctx.logger.info('Stopping vault…');
  await vault.close();
  ctx.logger.info('Stopped vault');
}

/**
 * A setting's value and the name to show when it must change: the flag when given, else the
 * setting (environment, then .env); with neither, both names (the default is in use).
 */
async function settingOrigin(ctx: CliContext, flag: string | undefined, flagName: string, setting: string): Promise<{ value: string | undefined; name: string }> {
  if (flag) return { value: flag, name: flagName };
  const value = await projectSetting(ctx, setting);
  return { value, name: value ? setting : `${flagName} (or ${setting})` };
}

/**
 * Telegram approval cards, when TELEGRAM_BOT_TOKEN is set (process environment first, then `.env`),
 * or NANOCLAW_TELEGRAM_TOKEN_FILE names the file `ncl vault up` mounts into the vault container.
 */
async function telegramOption(ctx: CliContext): Promise<{ telegram?: { token: string; apiBase?: string } }> {
  const tokenFile = ctx.env.NANOCLAW_TELEGRAM_TOKEN_FILE?.trim();
  const token = tokenFile
    ? await readFile(tokenFile, 'utf8').then(
        (t) => t.trim(),
        (err: unknown) => {
          throw new NanoclawError('bad_settings', `Cannot read the Telegram bot token file ${tokenFile} (${errorMessage(err)})`, {
            hint: 'Run `ncl vault up` again on the host, or unset NANOCLAW_TELEGRAM_TOKEN_FILE',
          });
        },
      )
    : (await projectSetting(ctx, 'TELEGRAM_BOT_TOKEN'))?.trim();
  if (!token) return {};
  ctx.logger.redactor.add(token);
  const apiBase = (await projectSetting(ctx, 'NANOCLAW_TELEGRAM_API_BASE'))?.trim();
  return { telegram: { token, ...(apiBase ? { apiBase } : {}) } };
}

/**
 * Runs this same command in a child Node that has the gateway's flags (the vault image's CMD
 * has them; without them a large download costs tens of MiB more), passing signals on.
 */
async function relaunch(execArgv: string[]): Promise<void> {
  const child = spawn(process.execPath, [...execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [RELAUNCHED_ENV]: '1' },
  });
  const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    const [code] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    // The child has said why; only its exit code is left to pass on.
    if (code !== 0) throw new ReportedFailure(code ?? 1);
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}
