import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NanoclawError } from '../common/errors.js';
import type { DockerConnection } from './docker-connection.js';
import type { EngineApi } from './engine-api.js';
import type { ProofKeyInput } from './lockdown-proof.js';

/** What the engine says about the lockdown network, its gateway container and itself: the proof key's inputs. */
export type LockdownState = Pick<ProofKeyInput, 'network' | 'gateway' | 'engine'>;

interface GatewayInfo {
  Id: string;
  State: { StartedAt: string };
  NetworkSettings: { Networks: Record<string, { IPAddress?: string; GlobalIPv6Address?: string }> };
}

/**
 * When the engine process started, for a local engine whose pid file sits next to its socket
 * (/var/run/docker.pid, rootless $XDG_RUNTIME_DIR/docker.pid): boot id and start tick from /proc.
 * Null elsewhere (a VM, a remote engine); the gateway container's start time still changes then.
 */
export async function engineStartedAt(connection: DockerConnection): Promise<string | null> {
  if (!connection.socketPath || !connection.socketPath.startsWith('/')) return null;
  try {
    const pid = (await readFile(join(dirname(connection.socketPath), 'docker.pid'), 'utf8')).trim();
    const [stat, boot] = await Promise.all([readFile(`/proc/${Number(pid)}/stat`, 'utf8'), readFile('/proc/sys/kernel/random/boot_id', 'utf8')]);
    // Field 22 (starttime), counted after the parenthesised command name, which may hold spaces.
    const ticks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return ticks ? `${boot.trim()}:${ticks}` : null;
  } catch {
    return null;
  }
}

export type LockdownNetwork = ProofKeyInput['network'];

const missing = (what: string) => (): never => {
  throw new NanoclawError('lockdown_network_missing', `Cannot prove the lockdown: ${what} does not exist`, { hint: 'Create the networks and the vault: ncl vault up' });
};

/** The lockdown network of exactly this name (the engine matches id prefixes too); fails closed when it is missing. */
export async function inspectLockdownNetwork(engine: EngineApi, name: string): Promise<LockdownNetwork> {
  const network = await engine.json<LockdownNetwork>('GET', `/networks/${encodeURIComponent(name)}`).catch(missing(`the network ${name}`));
  return network.Name === name ? network : missing(`the network ${name}`)();
}

/**
 * The proof key's inputs: the network as inspected (inspectLockdownNetwork, which the agent joins
 * by its id), and the gateway container and the engine, asked at once. Fails closed when the
 * gateway container is missing.
 */
export async function readLockdownState(engine: EngineApi, input: { network: LockdownNetwork; gatewayContainer: string; connection: DockerConnection }): Promise<LockdownState> {
  const { network, gatewayContainer: name } = input;
  const [gateway, version, startedAt] = await Promise.all([
    engine.json<GatewayInfo>('GET', `/containers/${encodeURIComponent(name)}/json`).catch(missing(`the container ${name}`)),
    engine.json<{ Version: string; ApiVersion: string; KernelVersion?: string }>('GET', '/version'),
    engineStartedAt(input.connection),
  ]);
  const endpoint = gateway.NetworkSettings.Networks[network.Name];
  return {
    network,
    gateway: { Id: gateway.Id, StartedAt: gateway.State.StartedAt, address: [endpoint?.IPAddress, endpoint?.GlobalIPv6Address].filter(Boolean).join(' ') },
    engine: { version: version.Version, apiVersion: version.ApiVersion, kernel: version.KernelVersion ?? '', startedAt },
  };
}
