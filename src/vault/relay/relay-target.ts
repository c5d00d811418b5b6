/** A TCP address: a name or IP literal (IPv6 without brackets) and a port. */
export interface HostPort {
  host: string;
  port: number;
}

const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)):(\d{1,5})$/;

/** `host:port` or `[v6]:port` → parts; null when malformed or the port is out of range. Pure. */
export function parseHostPort(raw: string): HostPort | null {
  const m = HOST_PORT.exec(raw.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: (m[1] ?? m[2] ?? '').toLowerCase(), port };
}

/** The address as `host:port`, bracketing IPv6 literals. Pure. */
export function formatHostPort(address: HostPort): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
