import { isIP } from 'node:net';

/** `::ffff:172.18.0.1` (an IPv4 client on a dual-stack socket) → `172.18.0.1`. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * Which clients may open a connection to the API: loopback (the container's own healthcheck)
 * and the addresses in `allowFrom`. The vault container lists the outbound network's gateway
 * address, the source of every connection the host's published port forwards, so agents on
 * any network the vault shares get their connection closed unread. Pure.
 */
export function apiClientFilter(allowFrom: readonly string[]): (remoteAddress: string | undefined) => boolean {
  const allowed = new Set(allowFrom.map(plain));
  return (remoteAddress) => {
    if (!remoteAddress) return false;
    const address = plain(remoteAddress);
    return address === '::1' || address.startsWith('127.') || allowed.has(address);
  };
}
