import type Docker from 'dockerode';
import { NanoclawError, errorMessage } from '../common/errors.js';
import { isManaged } from './labels.js';
import { SPEC_HASH_LABEL, type VaultContainerSpec } from './vault-container-spec.js';

export type EnsureAction = 'unchanged' | 'started' | 'created' | 'replaced';

export interface VaultContainerState {
  id: string;
  name: string;
  image: string;
  /** created | running | restarting | exited | paused | dead */
  state: string;
  /** healthy | unhealthy | starting, or null without a healthcheck. */
  health: string | null;
  startedAt: string | null;
  managed: boolean;
  specHash: string | null;
}

const statusOf = (err: unknown) => (err as { statusCode?: number }).statusCode;

/** The container named `name` as nanoclaw sees it, or null when there is none. */
export async function vaultContainerState(docker: Docker, name: string): Promise<VaultContainerState | null> {
  const info = await docker.getContainer(name).inspect().catch((err: unknown) => {
    if (statusOf(err) === 404) return null;
    throw err;
  });
  if (!info) return null;
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    image: info.Image,
    state: info.State.Status,
    health: info.State.Health?.Status ?? null,
    startedAt: info.State.Running ? info.State.StartedAt : null,
    managed: isManaged(info.Config.Labels, 'vault'),
    specHash: info.Config.Labels?.[SPEC_HASH_LABEL] ?? null,
  };
}

function notOurs(name: string): NanoclawError {
  return new NanoclawError('container_conflict', `A container named ${name} exists and was not created by nanoclaw; it is left alone`, {
    hint: `Set ONECLI_GATEWAY_CONTAINER to another name, or remove that container yourself (docker rm -f ${name}) if you are sure`,
  });
}

/** Creates the volume `name` with `labels` unless it exists; true when it already existed. */
export async function ensureVolume(docker: Docker, name: string, labels: Record<string, string>): Promise<boolean> {
  const existing = await docker.getVolume(name).inspect().catch(() => null);
  if (existing) return true;
  await docker.createVolume({ Name: name, Labels: labels });
  return false;
}

/** Removes the volume if nanoclaw created it; false when absent or not ours. */
export async function removeManagedVolume(docker: Docker, name: string): Promise<boolean> {
  const existing = await docker.getVolume(name).inspect().catch(() => null);
  if (!existing || !isManaged(existing.Labels, 'volume')) return false;
  await docker.getVolume(name).remove();
  return true;
}

function portProblem(message: string): boolean {
  return /port is already allocated|address already in use|bind: /i.test(message);
}

async function createAndStart(docker: Docker, spec: VaultContainerSpec, apiPort: number): Promise<string> {
  const container = await docker.createContainer(spec.create);
  try {
    await docker.getNetwork(spec.egress.network).connect({ Container: container.id, EndpointConfig: { Aliases: spec.egress.aliases } });
    await container.start();
    return container.id;
  } catch (err) {
    await container.remove({ force: true }).catch(() => undefined);
    const message = errorMessage(err);
    if (portProblem(message)) {
      throw new NanoclawError('port_in_use', `Cannot publish the vault API on 127.0.0.1:${apiPort}: the port is taken (${message})`, {
        hint: `Find what holds it (ss -ltnp 'sport = :${apiPort}'), stop it, or set NANOCLAW_VAULT_PORT to a free port`,
        cause: err,
      });
    }
    throw new NanoclawError('vault_start_failed', `Cannot start the vault container ${spec.create.name}: ${message}`, {
      hint: `Check the engine (docker info) and run the command again; the container log: docker logs ${spec.create.name}`,
      cause: err,
    });
  }
}

export interface EnsureVaultContainerOptions {
  docker: Docker;
  spec: VaultContainerSpec;
  /** Engine id of the image the container must run (a rebuilt tag means a new container). */
  imageId: string;
  apiPort: number;
  /** Replace the container even when it matches (the key file changed). */
  forceReplace?: boolean;
}

/**
 * Makes the vault container match `spec`: leaves a matching running one alone (same id),
 * starts a matching stopped one, replaces one made from another spec or image. Never
 * touches a container that nanoclaw did not create.
 */
export async function ensureVaultContainer(options: EnsureVaultContainerOptions): Promise<{ id: string; action: EnsureAction }> {
  const { docker, spec } = options;
  const name = spec.create.name;
  const current = await vaultContainerState(docker, name);
  if (current && !current.managed) throw notOurs(name);
  const same = current !== null && !options.forceReplace && current.specHash === spec.specHash && current.image === options.imageId;
  if (current && same) {
    if (current.state === 'running' || current.state === 'restarting') return { id: current.id, action: 'unchanged' };
    await docker.getContainer(current.id).start();
    return { id: current.id, action: 'started' };
  }
  if (current) await docker.getContainer(current.id).remove({ force: true });
  const id = await createAndStart(docker, spec, options.apiPort);
  return { id, action: current ? 'replaced' : 'created' };
}

/** Stops and removes the vault container; false when there is none. Refuses one nanoclaw did not create. */
export async function removeVaultContainer(docker: Docker, name: string): Promise<boolean> {
  const current = await vaultContainerState(docker, name);
  if (!current) return false;
  if (!current.managed) throw notOurs(name);
  const container = docker.getContainer(current.id);
  await container.stop({ t: 10 }).catch((err: unknown) => {
    if (statusOf(err) !== 304 && statusOf(err) !== 404) throw err; // 304: already stopped
  });
  await container.remove({ force: true }).catch((err: unknown) => {
    if (statusOf(err) !== 404) throw err;
  });
  return true;
}
