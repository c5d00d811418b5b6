import { isIPv4, isIPv6 } from 'node:net';

/**
 * Why an address must not be dialled on an agent's behalf, or null when it is a public
 * unicast address. Pure: the egress guard calls it on every address a name resolves to.
 */
export type BlockedClass =
  | 'unspecified'
  | 'this_network'
  | 'loopback'
  | 'private'
  | 'cgnat'
  | 'link_local'
  | 'ietf_protocol'
  | 'documentation'
  | 'benchmarking'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'site_local'
  | 'unique_local'
  | 'ipv4_compatible'
  | 'nat64_local'
  | 'teredo'
  | 'discard'
  | 'invalid';

interface V4Range {
  base: number;
  bits: number;
  cls: BlockedClass;
}

function v4(text: string, bits: number, cls: BlockedClass): V4Range {
  return { base: parseIPv4(text) ?? 0, bits, cls };
}

// Most specific first where ranges nest (0.0.0.0/32 inside 0/8, 255.255.255.255 inside 240/4).
const V4_BLOCKED: V4Range[] = [
  v4('0.0.0.0', 32, 'unspecified'),
  v4('0.0.0.0', 8, 'this_network'),
  v4('10.0.0.0', 8, 'private'),
  v4('100.64.0.0', 10, 'cgnat'),
  v4('127.0.0.0', 8, 'loopback'),
  v4('169.254.0.0', 16, 'link_local'),
  v4('172.16.0.0', 12, 'private'),
  v4('192.0.0.0', 24, 'ietf_protocol'),
  v4('192.0.2.0', 24, 'documentation'),
  v4('192.88.99.0', 24, 'reserved'),
  v4('192.168.0.0', 16, 'private'),
  v4('198.18.0.0', 15, 'benchmarking'),
  v4('198.51.100.0', 24, 'documentation'),
  v4('203.0.113.0', 24, 'documentation'),
  v4('224.0.0.0', 4, 'multicast'),
  v4('255.255.255.255', 32, 'broadcast'),
  v4('240.0.0.0', 4, 'reserved'),
];

/** Parses dotted-quad IPv4 into an unsigned 32-bit number; null when it is not one. */
export function parseIPv4(text: string): number | null {
  if (!isIPv4(text)) return null;
  let n = 0;
  for (const part of text.split('.')) n = n * 256 + Number(part);
  return n >>> 0;
}

function inV4(n: number, range: V4Range): boolean {
  if (range.bits === 0) return true;
  const shift = 32 - range.bits;
  return n >>> shift === range.base >>> shift;
}

/** Classifies a parsed IPv4 address. */
export function classifyIPv4(n: number): BlockedClass | null {
  for (const range of V4_BLOCKED) if (inV4(n, range)) return range.cls;
  return null;
}

/** Parses an IPv6 address (with `::`, embedded dotted quad, optional `%zone`) into 8 groups. */
export function parseIPv6(text: string): number[] | null {
  const bare = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!isIPv6(bare)) return null;
  let body = bare;
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (dotted?.[1]) {
    const n = parseIPv4(dotted[1]);
    if (n === null) return null;
    body = `${body.slice(0, dotted.index + 1)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', rest] = body.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (rest === undefined && missing !== 0)) return null;
  return [...left, ...new Array<number>(missing).fill(0), ...right];
}

function embeddedV4(groups: number[], at: number): number {
  return (((groups[at] ?? 0) << 16) | (groups[at + 1] ?? 0)) >>> 0;
}

function prefixIs(groups: number[], prefix: number[]): boolean {
  return prefix.every((g, i) => groups[i] === g);
}

/** Classifies parsed IPv6 groups; v4-embedding forms are judged by the v4 address inside. */
export function classifyIPv6(g: number[]): BlockedClass | null {
  const first = g[0] ?? 0;
  if (g.every((x) => x === 0)) return 'unspecified';
  if (prefixIs(g, [0, 0, 0, 0, 0, 0, 0, 1])) return 'loopback';
  // ::ffff:a.b.c.d: the kernel dials the v4 address, so the v4 rules decide.
  if (prefixIs(g, [0, 0, 0, 0, 0, 0xffff])) return classifyIPv4(embeddedV4(g, 6));
  if (prefixIs(g, [0, 0, 0, 0, 0, 0])) return 'ipv4_compatible';
  // NAT64 well-known prefix: a translator dials the embedded v4.
  if (prefixIs(g, [0x64, 0xff9b, 0, 0, 0, 0])) return classifyIPv4(embeddedV4(g, 6));
  if (prefixIs(g, [0x64, 0xff9b, 1])) return 'nat64_local';
  if (first === 0x2002) return classifyIPv4(embeddedV4(g, 1));
  if (prefixIs(g, [0x2001, 0])) return 'teredo';
  if (prefixIs(g, [0x2001, 0xdb8])) return 'documentation';
  if (prefixIs(g, [0x100, 0, 0, 0])) return 'discard';
  if ((first & 0xffc0) === 0xfe80) return 'link_local';
  if ((first & 0xffc0) === 0xfec0) return 'site_local';
  if ((first & 0xfe00) === 0xfc00) return 'unique_local';
  if ((first & 0xff00) === 0xff00) return 'multicast';
  // Only 2000::/3 is allocated global unicast; anything else is reserved.
  if ((first & 0xe000) !== 0x2000) return 'reserved';
  return null;
}

/** Classifies an IP literal (v4 or v6); `invalid` when it is not an IP address at all. */
export function classifyAddress(ip: string): BlockedClass | null {
  const n = parseIPv4(ip);
  if (n !== null) return classifyIPv4(n);
  const groups = parseIPv6(ip);
  if (groups) return classifyIPv6(groups);
  return 'invalid';
}

/** A canonical text form of an IP for comparisons (`::FFFF:7f00:1` → `::ffff:7f00:1` groups). */
export function canonicalIp(ip: string): string {
  if (parseIPv4(ip) !== null) return ip;
  const groups = parseIPv6(ip);
  return groups ? groups.map((g) => g.toString(16)).join(':') : ip.toLowerCase();
}
