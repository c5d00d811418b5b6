import { NanoclawError } from '../common/errors.js';
import { EngineError, type EngineApi } from './engine-api.js';

export interface GatewayAttachmentInput {
  /** The vault container's name (ONECLI_GATEWAY_CONTAINER). */
  container: string;
  /** The network agents will join. */
  network: string;
  /** Under lockdown the vault must answer to this alias there (`gateway`). */
  alias?: string;
}

/**
 * Fails closed unless the vault container is running and attached to the agents' network
 * (with the alias, under lockdown): otherwise an agent would start with no way through the gateway.
 */
export async function requireGatewayAttachment(engine: EngineApi, input: GatewayAttachmentInput): Promise<void> {
  type Endpoint = { Aliases?: string[] | null; DNSNames?: string[] | null };
  const info = await engine
    .json<{ State: { Running: boolean }; NetworkSettings: { Networks: Record<string, Endpoint> } }>('GET', `/containers/${encodeURIComponent(input.container)}/json`)
    .catch((err: unknown) => (err instanceof EngineError && err.statusCode === 404 ? null : Promise.reject(err)));
  const hint = 'Start the vault container (it joins the networks): ncl vault up';
  if (!info?.State.Running) {
    throw new NanoclawError('gateway_not_running', `The vault container ${input.container} is not running, so agents would have no gateway`, { hint });
  }
  const endpoint = info.NetworkSettings.Networks[input.network];
  if (!endpoint) {
    throw new NanoclawError('gateway_not_attached', `The vault container ${input.container} is not on the network ${input.network} the agent joins`, { hint });
  }
  const aliases = [...(endpoint.Aliases ?? []), ...(endpoint.DNSNames ?? [])];
  if (input.alias && !aliases.includes(input.alias)) {
    throw new NanoclawError('gateway_not_attached', `The vault container ${input.container} is on ${input.network} without the alias ${input.alias}`, {
      hint: `Recreate it: ncl vault down && ncl vault up`,
    });
  }
}
