import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NanoclawError } from '../common/errors.js';
import { setEnvValue } from '../config/env-file.js';
import { updateEnvFile } from '../config/env-file-io.js';
import { loadProjectSettings, type Settings } from '../config/settings.js';
import { connectDocker, type Docker } from '../docker/docker-client.js';
import { imageId, requireImage } from '../docker/images.js';
import { resourceLabels } from '../docker/labels.js';
import { egressNetworkSpec, outboundNetworkSpec } from '../docker/network-spec.js';
import { ensureNetwork } from '../docker/networks.js';
import { removeKeyMount, writeKeyMount, writeSecretMount } from '../docker/key-mount.js';
import { removeRelay } from '../docker/relay-container.js';
import { relayContainerName } from '../docker/relay-container-spec.js';
import { ensureVaultContainer, ensureVolume, type EnsureAction } from '../docker/vault-container.js';
import { containerUser, vaultContainerSpec } from '../docker/vault-container-spec.js';
import { waitForVaultHealth } from '../docker/vault-health.js';
import { generateApiKey, hashApiKey } from '../vault/api/api-key.js';
import { DEFAULT_APPROVAL_TTL_MS } from '../vault/model/approvals.js';
import { redactUrl } from '../vault/store/pg-bridge.js';
import type { CliContext } from './context.js';
import { buildImages, projectImageRefs } from './images-command.js';
import { dockerVaultKeyPaths, resolveDockerVaultKey } from './vault-docker-key.js';
import { projectSetting } from './vault-connection.js';

export interface VaultUpFlags {
  /** true: rebuild the image; false: never build; undefined: build only when the tag is missing. */
  build?: boolean;
  baseImage?: string;
  /** Where the native addon is compiled in a build (an image with a C++ toolchain). */
  buildImage?: string;
  rotateApiKey?: boolean;
  /** The store in Postgres (--database-url); default NANOCLAW_DATABASE_URL, else the SQLite file on the volume. */
  databaseUrl?: string;
  /** Replace the container even when it matches (setup's --reinstall). */
  recreate?: boolean;
  timeoutMs?: number;
  /** Progress lines (stderr under --json). */
  progress: (line: string) => void;
}

export interface VaultUpResult {
  container: string;
  id: string;
  action: EnsureAction;
  url: string;
  image: string;
  networks: { outbound: string; egress: string };
  volume: string;
  /** The Postgres store, without its password; null: the SQLite file on the volume. */
  database: string | null;
  /** True when a new API key was made and written to .env. */
  apiKeyCreated: boolean;
  envFile: string;
}

/** The vault image, built when missing (or always with --build, never with --no-build); its engine id. */
async function vaultImage(ctx: CliContext, docker: Docker, flags: VaultUpFlags): Promise<{ ref: string; id: string }> {
  const ref = (await projectImageRefs(ctx)).vault;
  let id = await imageId(docker, ref);
  if (flags.build === true || (id === null && flags.build !== false)) {
    const images = { ...(flags.baseImage ? { baseImage: flags.baseImage } : {}), ...(flags.buildImage ? { buildImage: flags.buildImage } : {}) };
    await buildImages(ctx, { docker, kinds: ['vault'], ...images, progress: flags.progress });
    id = await imageId(docker, ref);
  }
  if (id === null) await requireImage(docker, ref, 'vault');
  return { ref, id: id as string };
}

/** The API key the container accepts: the one in ONECLI_API_KEY (environment, then .env), else a new one. */
async function apiKey(ctx: CliContext, rotate: boolean): Promise<{ key: string; created: boolean }> {
  const existing = rotate ? undefined : await projectSetting(ctx, 'ONECLI_API_KEY');
  const key = existing ?? generateApiKey();
  ctx.logger.redactor.add(key);
  return { key, created: existing === undefined };
}

/** NANOCLAW_EXTRA_CA_CERTS as absolute host paths (bind mounts need them), each one checked. */
function extraCaFiles(ctx: CliContext, files: readonly string[]): string[] {
  return files.map((file) => {
    const path = resolve(ctx.cwd, file);
    if (!existsSync(path)) {
      throw new NanoclawError('ca_file_missing', `NANOCLAW_EXTRA_CA_CERTS names ${path}, which does not exist`, {
        hint: 'Fix the path (absolute, or relative to the project directory) or remove it from NANOCLAW_EXTRA_CA_CERTS',
      });
    }
    return path;
  });
}

function names(settings: Settings) {
  return {
    container: settings.gatewayContainer,
    outbound: settings.outboundNetwork,
    egress: settings.egressNetwork,
    volume: settings.vaultVolume,
    port: settings.vaultPort,
  };
}

/**
 * `ncl vault up`: image, networks, volume, key mount and the hardened vault container, then
 * waits for health. A healthy vault that matches is left alone (same container id).
 */
export async function vaultUp(ctx: CliContext, flags: VaultUpFlags): Promise<VaultUpResult> {
  const { settings } = await loadProjectSettings({ cwd: ctx.cwd, env: ctx.env });
  const n = names(settings);
  const docker = await connectDocker({ env: ctx.env });
  const image = await vaultImage(ctx, docker, flags);

  const label = (role: 'network' | 'volume' | 'vault') => resourceLabels({ role, env: ctx.env });
  const outbound = await ensureNetwork(docker, outboundNetworkSpec({ name: n.outbound, labels: label('network') }));
  if (outbound.gateways.length === 0) {
    throw new NanoclawError('network_no_gateway', `Docker network ${n.outbound} has no gateway address, so the host could not reach the vault API on it`, {
      hint: `Remove it (docker network rm ${n.outbound}) and run the command again; nanoclaw recreates it as a plain bridge`,
    });
  }
  await ensureNetwork(docker, egressNetworkSpec({ name: n.egress, labels: label('network') }));

  const { keyDir, runtimeDir } = dockerVaultKeyPaths(ctx, n.volume);
  const volumeExisted = await ensureVolume(docker, n.volume, label('volume'));
  const master = await resolveDockerVaultKey(ctx, { volume: n.volume, volumeExisted, keyDir });
  const user = containerUser({ uid: process.getuid?.(), gid: process.getgid?.() });
  const keyFile = await writeKeyMount({ dir: runtimeDir, fileName: `${n.container}.key`, key: master, chownTo: user.chownKeyTo });
  master.fill(0);
  const telegram = await telegramMount(settings, { dir: runtimeDir, fileName: `${n.container}.telegram`, chownTo: user.chownKeyTo });
  const databaseUrl = flags.databaseUrl ?? settings.databaseUrl;
  const database = await databaseMount(databaseUrl, { dir: runtimeDir, fileName: `${n.container}.database-url`, chownTo: user.chownKeyTo });

  const { key, created } = await apiKey(ctx, flags.rotateApiKey === true);
  const spec = vaultContainerSpec({
    name: n.container,
    image: image.ref,
    volume: n.volume,
    apiPort: n.port,
    outboundNetwork: n.outbound,
    egressNetwork: n.egress,
    keyFile: keyFile.path,
    extraCaFiles: extraCaFiles(ctx, settings.extraCaCerts),
    allowPrivate: settings.allowPrivate,
    apiAllowFrom: outbound.gateways,
    apiKeySha256: hashApiKey(key),
    user,
    labels: label('vault'),
    logLevel: settings.logLevel,
    ...(settings.approvalTtlSeconds !== DEFAULT_APPROVAL_TTL_MS / 1000 ? { approvalTtlSeconds: settings.approvalTtlSeconds } : {}),
    ...(settings.auditRetentionDays !== undefined ? { auditRetentionDays: settings.auditRetentionDays } : {}),
    ...(settings.gatewayTls !== 'auto' ? { gatewayTls: settings.gatewayTls } : {}),
    ...(telegram.mount ? { telegram: telegram.mount } : {}),
    ...(database.path ? { databaseUrlFile: database.path } : {}),
  });
  // A relay (remote vault under lockdown) would answer as `gateway` beside the local vault.
  const relay = relayContainerName(n.container);
  if (await removeRelay(docker, relay)) flags.progress(`Removed the lockdown relay ${relay}: the local vault is the agents' gateway now`);
  const forceReplace = keyFile.changed || telegram.changed || database.changed || flags.recreate === true;
  const result = await ensureVaultContainer({ docker, spec, imageId: image.id, apiPort: n.port, forceReplace });
  flags.progress(`Vault container ${n.container}: ${result.action} (${result.id.slice(0, 12)})`);

  const url = `http://127.0.0.1:${n.port}`;
  const envFile = join(ctx.cwd, '.env');
  // Written before the wait: a slow start must not lose the only copy of a new key.
  // updateEnvFile writes nothing when neither value changes.
  await updateEnvFile(envFile, (doc) => {
    setEnvValue(doc, 'ONECLI_URL', url);
    if (created) setEnvValue(doc, 'ONECLI_API_KEY', key);
  });
  if (created) flags.progress(`Created the vault API key and wrote ONECLI_URL and ONECLI_API_KEY to ${envFile}`);
  const shellUrl = ctx.env.ONECLI_URL?.trim().replace(/\/+$/, '');
  if (shellUrl && shellUrl !== url) flags.progress(`Note: ONECLI_URL in your environment (${shellUrl}) wins over .env; the vault is at ${url}`);
  flags.progress(`Waiting for the vault at ${url}/api/health…`);
  await waitForVaultHealth({ docker, containerId: result.id, url, ...(flags.timeoutMs ? { timeoutMs: flags.timeoutMs } : {}) });
  return {
    container: n.container,
    id: result.id,
    action: result.action,
    url,
    image: image.ref,
    networks: { outbound: n.outbound, egress: n.egress },
    volume: n.volume,
    database: databaseUrl ? redactUrl(databaseUrl) : null,
    apiKeyCreated: created,
    envFile,
  };
}

/** The Telegram bot token as a 0600 file for the vault container (TELEGRAM_BOT_TOKEN); removed when unset. */
async function telegramMount(
  settings: Settings,
  file: { dir: string; fileName: string; chownTo: { uid: number; gid: number } | null },
): Promise<{ mount: { tokenFile: string; apiBase?: string } | null; changed: boolean }> {
  const token = settings.telegramBotToken?.trim();
  if (!token) {
    await removeKeyMount(file.dir, file.fileName);
    return { mount: null, changed: false };
  }
  const written = await writeSecretMount({ ...file, content: token });
  const apiBase = settings.telegramApiBase;
  return { mount: { tokenFile: written.path, ...(apiBase ? { apiBase } : {}) }, changed: written.changed };
}

/** The database URL as a 0600 file for the vault container (it may carry a password); removed when unset. */
async function databaseMount(
  url: string | undefined,
  file: { dir: string; fileName: string; chownTo: { uid: number; gid: number } | null },
): Promise<{ path: string | null; changed: boolean }> {
  if (!url) {
    await removeKeyMount(file.dir, file.fileName);
    return { path: null, changed: false };
  }
  return writeSecretMount({ ...file, content: url });
}
