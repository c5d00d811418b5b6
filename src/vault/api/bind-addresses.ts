import { isIPv4 } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';

export interface BindPlanInput {
  /** The configured listen host, e.g. 0.0.0.0 inside the vault container. */
  listenHost: string;
  /** Client addresses the API admits (NANOCLAW_API_ALLOW_FROM), e.g. the outbound network's gateway. */
  allowFrom: readonly string[];
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>;
}

function toInt(ip: string): number {
  return ip.split('.').reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;
}

function sameSubnet(a: string, b: string, mask: string): boolean {
  const m = toInt(mask);
  return ((toInt(a) & m) >>> 0) === ((toInt(b) & m) >>> 0);
}

/**
 * Where the API listens. A wildcard listen with an allow-list binds only loopback and the
 * address that faces the allowed clients, so the API port is closed at the network level on
 * every other network the vault joins (the agents' lockdown network). Otherwise: as configured.
 */
export function apiBindAddresses(input: BindPlanInput): string[] {
  if (input.listenHost !== '0.0.0.0' || input.allowFrom.length === 0) return [input.listenHost];
  const facing = new Set<string>();
  for (const info of Object.values(input.interfaces).flat()) {
    if (!info || info.internal || info.family !== 'IPv4') continue;
    if (input.allowFrom.some((peer) => isIPv4(peer) && sameSubnet(peer, info.address, info.netmask))) {
      facing.add(info.address);
    }
  }
  return facing.size === 0 ? [input.listenHost] : ['127.0.0.1', ...facing];
}
