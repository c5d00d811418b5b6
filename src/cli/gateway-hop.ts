import { NanoclawError } from '../common/errors.js';
import { VAULT_GATEWAY_PORT } from '../config/ports.js';
import type { HostPort, Settings } from '../config/settings.js';
import { RELAY_PORT } from '../docker/relay-container-spec.js';
import { GATEWAY_ALIAS } from '../docker/vault-container-spec.js';

const PROXY_VARIABLES = ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy'] as const;

/**
 * How an agent reaches its gateway:
 * - `local`: the local vault container (`gateway` under lockdown, its container name otherwise), on the port the vault says;
 * - `relay`: remote vault under lockdown: the local relay, which answers as `gateway` and forwards to `target`;
 * - `remote`: remote vault without lockdown: the remote gateway itself.
 */
export type GatewayHop =
  | { kind: 'local'; host: string; port: null }
  | { kind: 'relay'; host: string; port: number; target: HostPort }
  | { kind: 'remote'; host: string; port: number };

/** The remote vault's gateway: NANOCLAW_ONECLI_GATEWAY, else the host of NANOCLAW_ONECLI_API_HOST on port 10255; null without a remote vault. Pure. */
export function remoteGatewayAddress(settings: Pick<Settings, 'remoteApiHost' | 'remoteGateway'>): HostPort | null {
  if (settings.remoteGateway) return settings.remoteGateway;
  if (!settings.remoteApiHost) return null;
  const host = new URL(settings.remoteApiHost).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return { host, port: VAULT_GATEWAY_PORT };
}

/** Throws unless a container could reach `address`: a loopback address is the container's own, not the vault's machine. Pure. */
export function refuseLoopbackGateway(address: HostPort): void {
  if (/^(?:localhost|127\.\d+\.\d+\.\d+|::1|0\.0\.0\.0|::)$/i.test(address.host)) {
    throw new NanoclawError('remote_gateway_loopback', `The remote vault's gateway ${address.host}:${address.port} is a loopback address, which no container can reach`, {
      hint: 'Set NANOCLAW_ONECLI_GATEWAY to an address of the vault machine that containers reach (host:port, for example its LAN address)',
    });
  }
}

/** Picks the agent's gateway hop from the lockdown setting and the remote gateway (null: the vault is local). Pure. */
export function pickGatewayHop(input: { lockdown: boolean; remote: HostPort | null; gatewayContainer: string }): GatewayHop {
  const { lockdown, remote } = input;
  if (!remote) return { kind: 'local', host: lockdown ? GATEWAY_ALIAS : input.gatewayContainer, port: null };
  refuseLoopbackGateway(remote);
  if (lockdown) return { kind: 'relay', host: GATEWAY_ALIAS, port: RELAY_PORT, target: remote };
  return { kind: 'remote', host: remote.host, port: remote.port };
}

/**
 * The proxy variables of a vault's container config pointed at `hop`: its host, and its port when
 * the hop fixes one (a remote vault's config names its own `gateway`). Token and scheme are kept;
 * variables that are missing or not URLs are left for the agent spec to judge. Pure.
 */
export function proxyEnvForHop(env: Readonly<Record<string, string>>, hop: GatewayHop): Record<string, string> {
  const out = { ...env };
  for (const name of PROXY_VARIABLES) {
    const url = env[name] === undefined ? null : URL.parse(env[name]);
    if (!url) continue;
    url.hostname = hop.host.includes(':') ? `[${hop.host}]` : hop.host;
    if (hop.port !== null) url.port = String(hop.port);
    out[name] = url.href.replace(/\/$/, '');
  }
  return out;
}
