import { loadProjectSettings } from '../config/settings.js';
import { connectDocker } from '../docker/docker-client.js';
import { removeKeyMount } from '../docker/key-mount.js';
import { removeManagedNetwork } from '../docker/networks.js';
import { removeIdleHolders } from '../docker/agent-container.js';
import { removeRelay } from '../docker/relay-container.js';
import { relayContainerName } from '../docker/relay-container-spec.js';
import { removeManagedVolume, removeVaultContainer, vaultContainerState, type VaultContainerState } from '../docker/vault-container.js';
import type { CliContext } from './context.js';
import { dockerVaultKeyPaths } from './vault-docker-key.js';

export interface VaultDownResult {
  container: string;
  removed: boolean;
  /** Whether a lockdown relay (remote vault) was removed as well. */
  relayRemoved: boolean;
  /** Only with --purge: what else was removed (resources nanoclaw did not create are never removed). */
  purged: { volume: boolean; networks: string[] } | null;
}

/**
 * `ncl vault down [--purge]`: stops and removes the vault container. The volume (the vault's
 * data), the networks and the master key stay unless --purge; the key in the OS keyring
 * (or its file) always stays, so a backup made with --master-key can still be restored.
 */
export async function vaultDown(ctx: CliContext, options: { purge: boolean }): Promise<VaultDownResult> {
  const { settings } = await loadProjectSettings({ cwd: ctx.cwd, env: ctx.env });
  const docker = await connectDocker({ env: ctx.env });
  const name = settings.gatewayContainer;
  const removed = await removeVaultContainer(docker, name);
  // The relay (remote vault under lockdown) goes too: it would hold the networks, and `down` means no local hop.
  const relayRemoved = await removeRelay(docker, relayContainerName(name));
  const { runtimeDir } = dockerVaultKeyPaths(ctx, settings.vaultVolume);
  // Without a container the mounted copy of the key serves no one.
  await removeKeyMount(runtimeDir, `${name}.key`);
  await removeKeyMount(runtimeDir, `${name}.telegram`);
  await removeKeyMount(runtimeDir, `${name}.database-url`);
  if (!options.purge) return { container: name, removed, relayRemoved, purged: null };
  const volume = await removeManagedVolume(docker, settings.vaultVolume);
  const networks: string[] = [];
  for (const net of [settings.egressNetwork, settings.outboundNetwork]) {
    await removeIdleHolders(docker, net);
    if (await removeManagedNetwork(docker, net)) networks.push(net);
  }
  return { container: name, removed, relayRemoved, purged: { volume, networks } };
}

/** The vault container's state for `ncl vault status`; null when Docker is not reachable or there is no such container. */
export async function dockerVaultStatus(ctx: CliContext): Promise<VaultContainerState | null> {
  const { settings } = await loadProjectSettings({ cwd: ctx.cwd, env: ctx.env });
  const docker = await connectDocker({ env: ctx.env }).catch(() => null);
  if (!docker) return null;
  return vaultContainerState(docker, settings.gatewayContainer).catch(() => null);
}
