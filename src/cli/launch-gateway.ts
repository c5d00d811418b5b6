import { NanoclawError } from '../common/errors.js';
import type { Settings } from '../config/settings.js';
import { defaultImageRef } from '../docker/build-context.js';
import type { Docker } from '../docker/docker-client.js';
import type { EngineApi } from '../docker/engine-api.js';
import { requireGatewayAttachment } from '../docker/gateway-attachment.js';
import type { EnsuredRelay } from '../docker/relay-container.js';
import { relayContainerName } from '../docker/relay-container-spec.js';
import type { CliContext } from './context.js';
import { pickGatewayHop, refuseLoopbackGateway, remoteGatewayAddress, type GatewayHop } from './gateway-hop.js';

/**
 * This project's lockdown relay for its remote vault (vault image, networks and names from its
 * settings), started or reused. Throws `no_remote_vault` when NANOCLAW_ONECLI_API_HOST is unset.
 */
export async function ensureProjectRelay(ctx: CliContext, docker: Docker, settings: Settings): Promise<EnsuredRelay & { target: string }> {
  const target = remoteGatewayAddress(settings);
  if (!target) {
    throw new NanoclawError('no_remote_vault', 'There is no remote vault to relay to (NANOCLAW_ONECLI_API_HOST is unset)', {
      hint: 'Set NANOCLAW_ONECLI_API_HOST and NANOCLAW_ONECLI_API_TOKEN (ncl setup does it), or run a local vault: ncl vault up',
    });
  }
  refuseLoopbackGateway(target);
  // Loaded here: `ncl launch` with a local vault never needs the relay's module tree.
  const { ensureRelay } = await import('../docker/relay-container.js');
  const relay = await ensureRelay(docker, {
    name: relayContainerName(settings.gatewayContainer),
    image: settings.vaultImage ?? defaultImageRef('vault', ctx.version),
    target,
    outboundNetwork: settings.outboundNetwork,
    egressNetwork: settings.egressNetwork,
    env: ctx.env,
    logLevel: settings.logLevel,
  });
  const shown = target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
  if (relay.action !== 'unchanged') ctx.logger.info('Lockdown relay ready', { container: relay.name, action: relay.action, target: shown });
  return { ...relay, target: shown };
}

/** The hop these settings call for (gateway-hop.ts), before anything is made ready. Pure. */
export function plannedGatewayHop(settings: Settings): GatewayHop {
  return pickGatewayHop({ lockdown: settings.egressLockdown, remote: remoteGatewayAddress(settings), gatewayContainer: settings.gatewayContainer });
}

/**
 * Makes the agent's way to its gateway ready and says what it is: the relay (remote vault under
 * lockdown, started here), the local vault container (must run and be attached: fail closed),
 * or the remote gateway itself (nothing local to check).
 */
export async function prepareGatewayHop(ctx: CliContext, engine: EngineApi, settings: Settings): Promise<GatewayHop> {
  const lockdown = settings.egressLockdown;
  const hop = plannedGatewayHop(settings);
  if (hop.kind === 'relay') {
    // The relay is managed through dockerode, loaded only on this path (engine-api.ts says why).
    const { connectDocker } = await import('../docker/docker-client.js');
    await ensureProjectRelay(ctx, await connectDocker({ env: ctx.env }), settings);
  }
  if (hop.kind === 'local') {
    const network = lockdown ? settings.egressNetwork : settings.outboundNetwork;
    await requireGatewayAttachment(engine, { container: settings.gatewayContainer, network, ...(lockdown ? { alias: hop.host } : {}) });
  }
  return hop;
}

/** The container agents reach their gateway through under lockdown: the relay for a remote vault, else the vault. */
export function lockdownGatewayContainer(settings: Settings, hop: GatewayHop): string {
  return hop.kind === 'relay' ? relayContainerName(settings.gatewayContainer) : settings.gatewayContainer;
}
