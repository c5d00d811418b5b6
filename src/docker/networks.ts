import type Docker from 'dockerode';
import { NanoclawError, errorMessage } from '../common/errors.js';
import { isManaged } from './labels.js';
import { networkCreateOptions, networkDifferences, type InspectedNetwork, type NetworkSpec } from './network-spec.js';

export interface EnsuredNetwork {
  id: string;
  name: string;
  /** True when this call created it. */
  created: boolean;
  /** The host's addresses on the network (IPAM gateways); none on an inhibit_ipv4 network. */
  gateways: string[];
}

type Inspected = InspectedNetwork & {
  Id: string;
  Labels?: Record<string, string> | null;
  IPAM?: { Config?: { Gateway?: string }[] | null } | null;
};

const gatewaysOf = (n: Inspected) => (n.IPAM?.Config ?? []).flatMap((c) => (c.Gateway ? [c.Gateway] : []));

/** The network named exactly `name`, or null (the engine's lookup also matches id prefixes). */
export async function findNetwork(docker: Docker, name: string): Promise<Inspected | null> {
  const found = (await docker.getNetwork(name).inspect().catch((err: { statusCode?: number }) => {
    if (err.statusCode === 404) return null;
    throw err;
  })) as Inspected | null;
  return found && found.Name === name ? found : null;
}

function conflict(spec: NetworkSpec, differences: string[]): NanoclawError {
  return new NanoclawError('network_conflict', `Docker network ${spec.name} exists with other settings: ${differences.join('; ')}`, {
    hint:
      `Remove it once no container uses it (docker network rm ${spec.name}) and run the command again, ` +
      'or choose another name with the setting that names this network.',
    details: { network: spec.name, differences },
  });
}

/**
 * Creates the network of `spec` unless it exists; an existing one must have its settings
 * (else `network_conflict`, naming each difference and the `docker network rm` to run).
 * Idempotent, and safe when two processes ensure the same network at once.
 */
export async function ensureNetwork(docker: Docker, spec: NetworkSpec): Promise<EnsuredNetwork> {
  let created = false;
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await findNetwork(docker, spec.name);
    if (existing) {
      const differences = networkDifferences(spec, existing);
      if (differences.length > 0) throw conflict(spec, differences);
      return { id: existing.Id, name: spec.name, created, gateways: gatewaysOf(existing) };
    }
    try {
      await docker.createNetwork(networkCreateOptions(spec));
      created = true; // the next turn of the loop inspects it (for its addresses) and returns
    } catch (err) {
      // 409: another process created it between our look and our create; look again.
      if ((err as { statusCode?: number }).statusCode !== 409) {
        throw new NanoclawError('network_create_failed', `Cannot create Docker network ${spec.name}: ${errorMessage(err)}`, {
          hint: 'Check `docker network ls` and the engine log; free address pools run out after many networks (docker network prune).',
          cause: err,
        });
      }
    }
  }
  throw new NanoclawError('network_create_failed', `Docker network ${spec.name} kept appearing and vanishing while being created`, {
    hint: 'Run the command again once other nanoclaw commands have finished',
  });
}

/**
 * Removes the network `name` if nanoclaw created it (managed label); returns false when it
 * is absent or not ours (never touched). Fails while containers still use it.
 */
export async function removeManagedNetwork(docker: Docker, name: string): Promise<boolean> {
  const existing = await findNetwork(docker, name);
  if (!existing || !isManaged(existing.Labels)) return false;
  try {
    await docker.getNetwork(existing.Id).remove();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw new NanoclawError('network_in_use', `Cannot remove Docker network ${name}: ${errorMessage(err)}`, {
      hint: `Stop the containers on it first (docker network inspect ${name}), then run the command again`,
      cause: err,
    });
  }
}
