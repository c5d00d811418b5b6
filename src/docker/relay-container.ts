import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { NanoclawError, errorMessage } from '../common/errors.js';
import type { HostPort } from '../config/settings-schema.js';
import { execInContainer } from './container-exec.js';
import { imageId, requireImage } from './images.js';
import { isManaged, resourceLabels } from './labels.js';
import { egressNetworkSpec, outboundNetworkSpec } from './network-spec.js';
import { ensureNetwork } from './networks.js';
import { RELAY_HEALTH_CMD, relayContainerSpec } from './relay-container-spec.js';
import type { EnsureAction } from './vault-container.js';
import { GATEWAY_ALIAS, SPEC_HASH_LABEL } from './vault-container-spec.js';
import { lastLogLines } from './vault-health.js';

export interface EnsureRelayOptions {
  /** The relay container's name: relayContainerName(settings.gatewayContainer). */
  name: string;
  /** The vault image (settings.vaultImage or the versioned default); the relay is its relay mode. */
  image: string;
  /** The remote gateway (remoteGatewayAddress(settings)): the relay's only destination. */
  target: HostPort;
  outboundNetwork: string;
  egressNetwork: string;
  /** The command's environment, for the labels (NANOCLAW_TEST_RUN_ID). */
  env: Readonly<Record<string, string | undefined>>;
  install?: string;
  logLevel?: string;
  /** How long to wait for the relay to answer its health check (default 30 s). */
  timeoutMs?: number;
}

export interface EnsuredRelay {
  id: string;
  name: string;
  action: EnsureAction;
}

const statusOf = (err: unknown) => (err as { statusCode?: number }).statusCode;

async function inspectOrNull(docker: Docker, name: string) {
  return docker.getContainer(name).inspect().catch((err: unknown) => {
    if (statusOf(err) === 404) return null;
    throw err;
  });
}

/** Names of running containers other than `except` that answer to `alias` on `network`. */
async function aliasHolders(docker: Docker, network: string, alias: string, except: string): Promise<string[]> {
  const info = await docker.getNetwork(network).inspect();
  const holders: string[] = [];
  for (const id of Object.keys(info.Containers ?? {})) {
    const c = await docker.getContainer(id).inspect().catch(() => null);
    const name = c?.Name.replace(/^\//, '') ?? '';
    const endpoint = c?.NetworkSettings.Networks[network] as { Aliases?: string[] | null; DNSNames?: string[] | null } | undefined;
    if (!endpoint || name === except) continue;
    if ([...(endpoint.Aliases ?? []), ...(endpoint.DNSNames ?? [])].includes(alias)) holders.push(name);
  }
  return holders;
}

/** Waits until the relay answers its health check from inside its container; fails early when it stops. */
async function waitForRelay(docker: Docker, id: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const state = (await docker.getContainer(id).inspect()).State;
    if (!state.Running) {
      last = `it stopped (exit ${state.ExitCode})`;
      break;
    }
    const run = await execInContainer(docker, id, { cmd: RELAY_HEALTH_CMD, timeoutMs: 5_000 }).catch((err: unknown) => ({ exitCode: -1, stderr: errorMessage(err) }));
    if (run.exitCode === 0) return;
    last = run.stderr.trim() || `health check exit ${run.exitCode}`;
    await sleep(200);
  }
  const log = await lastLogLines(docker, id, 5);
  throw new NanoclawError('relay_unhealthy', `The lockdown relay did not become healthy (${last})${log.length > 0 ? `; its last log lines:\n  ${log.join('\n  ')}` : ''}`, {
    hint: `See its log: docker logs ${id.slice(0, 12)}; then run the command again`,
  });
}

/**
 * Makes the lockdown relay run with `options`: reuses a running relay with the same target and
 * image (same id), starts a stopped one, replaces one with another target. Creates the networks
 * when missing. Refuses a container of that name that is not our relay, and a lockdown network
 * where something else (a local vault) already answers as `gateway`.
 */
export async function ensureRelay(docker: Docker, options: EnsureRelayOptions): Promise<EnsuredRelay> {
  const { name } = options;
  const image = await imageId(docker, options.image);
  if (image === null) await requireImage(docker, options.image, 'vault');
  const networkLabels = resourceLabels({ role: 'network', install: options.install, env: options.env });
  await ensureNetwork(docker, outboundNetworkSpec({ name: options.outboundNetwork, labels: networkLabels }));
  await ensureNetwork(docker, egressNetworkSpec({ name: options.egressNetwork, labels: networkLabels }));
  const spec = relayContainerSpec({
    name,
    image: options.image,
    target: options.target,
    outboundNetwork: options.outboundNetwork,
    egressNetwork: options.egressNetwork,
    labels: resourceLabels({ role: 'relay', install: options.install, env: options.env }),
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
  const current = await inspectOrNull(docker, name);
  if (current && !isManaged(current.Config.Labels, 'relay')) {
    throw new NanoclawError('container_conflict', `A container named ${name} exists and is not a nanoclaw relay; it is left alone`, {
      hint: `Set ONECLI_GATEWAY_CONTAINER to another name, or remove that container yourself (docker rm -f ${name}) if you are sure`,
    });
  }
  const others = await aliasHolders(docker, options.egressNetwork, GATEWAY_ALIAS, name);
  if (others.length > 0) {
    throw new NanoclawError('gateway_alias_taken', `${others.join(', ')} already answer(s) as "${GATEWAY_ALIAS}" on ${options.egressNetwork}; agents would reach it instead of the remote vault`, {
      hint: 'With a remote vault, stop the local one: ncl vault down (then run the command again)',
    });
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  const same = current !== null && current.Config.Labels?.[SPEC_HASH_LABEL] === spec.specHash && current.Image === image;
  if (current && same) {
    if (current.State.Running) return { id: current.Id, name, action: 'unchanged' };
    await docker.getContainer(current.Id).start();
    await waitForRelay(docker, current.Id, timeoutMs);
    return { id: current.Id, name, action: 'started' };
  }
  if (current) await docker.getContainer(current.Id).remove({ force: true });
  const container = await docker.createContainer(spec.create);
  try {
    await docker.getNetwork(spec.egress.network).connect({ Container: container.id, EndpointConfig: { Aliases: spec.egress.aliases } });
    await container.start();
    await waitForRelay(docker, container.id, timeoutMs);
  } catch (err) {
    await container.remove({ force: true }).catch(() => undefined);
    if (err instanceof NanoclawError) throw err;
    throw new NanoclawError('relay_start_failed', `Cannot start the lockdown relay ${name}: ${errorMessage(err)}`, {
      hint: 'Check the engine (docker info) and run the command again',
      cause: err,
    });
  }
  return { id: container.id, name, action: current ? 'replaced' : 'created' };
}

/** Stops and removes the relay; false when there is none. Refuses a container of that name that is not our relay. */
export async function removeRelay(docker: Docker, name: string): Promise<boolean> {
  const current = await inspectOrNull(docker, name);
  if (!current) return false;
  if (!isManaged(current.Config.Labels, 'relay')) {
    throw new NanoclawError('container_conflict', `A container named ${name} is not a nanoclaw relay; it is left alone`, {
      hint: `Remove it yourself (docker rm -f ${name}) if you are sure`,
    });
  }
  const container = docker.getContainer(current.Id);
  // SIGTERM first: the relay closes its listener and lets open connections finish.
  await container.stop({ t: 5 }).catch((err: unknown) => {
    if (statusOf(err) !== 304 && statusOf(err) !== 404) throw err; // 304: already stopped
  });
  await container.remove({ force: true }).catch((err: unknown) => {
    if (statusOf(err) !== 404) throw err;
  });
  return true;
}
