import { isIP, isIPv4, isIPv6 } from 'node:net';

/**
 * Host names and host patterns. A secret's value goes only where its pattern matches, so these
 * functions decide whether a credential can leak to a neighbouring host: keep them strict.
 */

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Lower-cases, strips `[ ]` around an IPv6 literal and one trailing dot. Takes a host without a port. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.') && !h.endsWith('..')) h = h.slice(0, -1);
  return h;
}

/**
 * True for a syntactically valid, normalized DNS name or IP literal. A name whose last label is
 * numeric is refused: resolvers may read `2130706433` or `127.1` as an IPv4 address.
 */
export function isValidHost(host: string): boolean {
  if (isIP(host)) return true;
  if (host.length === 0 || host.length > 253) return false;
  const labels = host.split('.');
  if (!labels.every((l) => LABEL.test(l))) return false;
  return !/^(0x[0-9a-f]*|\d+)$/.test(labels[labels.length - 1] ?? '');
}

/**
 * Whether `host` matches `pattern`: exact, `*.example.com` for subdomains at any depth (never the
 * apex), or `.example.com` for the apex and its subdomains (one GitHub token for `github.com`'s
 * git and `api.github.com`). Case-insensitive, trailing dot tolerated. Never matches an invalid
 * host; a bare `*` matches nothing (a credential must name where it may go).
 */
export function hostMatches(pattern: string, host: string): boolean {
  const p = normalizeHost(pattern);
  const h = normalizeHost(host);
  if (!isValidHost(h)) return false;
  const wildcard = p.startsWith('*.') ? 'subdomains' : p.startsWith('.') ? 'apex-and-subdomains' : null;
  if (wildcard) {
    const suffix = p.slice(p.indexOf('.')); // ".example.com"
    if (isIP(h) || !isValidHost(suffix.slice(1))) return false;
    if (wildcard === 'apex-and-subdomains' && h === suffix.slice(1)) return true;
    return h.length > suffix.length && h.endsWith(suffix);
  }
  return p === h;
}

export interface HostPort {
  host: string;
  port: number;
}

/**
 * Parses a CONNECT target or Host header (`host:port`, `[v6]:port`, or a bare host with
 * `defaultPort`). Returns the normalized host, or null for anything malformed: userinfo, paths,
 * whitespace, bare IPv6, bad ports, invalid names.
 */
export function parseHostPort(authority: string, defaultPort: number): HostPort | null {
  if (authority.length === 0 || authority.length > 300 || /[\s/\\@?#%]/.test(authority)) return null;
  let hostText: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::([^:]*))?$/.exec(authority);
  if (bracketed) {
    hostText = bracketed[1] ?? '';
    portText = bracketed[2];
    if (!isIPv6(hostText)) return null;
  } else {
    const parts = authority.split(':');
    if (parts.length > 2) return null;
    hostText = parts[0] ?? '';
    portText = parts[1];
    if (hostText.includes('[') || hostText.includes(']')) return null;
  }
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return null;
    port = Number(portText);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return null;
  const host = normalizeHost(hostText);
  if (!bracketed && !isIPv4(host) && isIP(host)) return null;
  return isValidHost(host) ? { host, port } : null;
}
