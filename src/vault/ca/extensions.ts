import { isIP } from 'node:net';
import * as der from './der.js';

/** The X.509 v3 extensions our CA and leaves carry (RFC 5280 4.2.1). Each returns a DER `Extension`. */

const OID = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

/** KeyUsage bit positions (RFC 5280 4.2.1.3). */
export const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  // DER leaves out a BOOLEAN that equals its DEFAULT (FALSE), so only critical ones carry it.
  const flag = critical ? [der.boolean(true)] : [];
  return der.sequence(der.oid(id), ...flag, der.octetString(value));
}

/** basicConstraints, always critical; `pathLen` only meaningful for a CA. */
export function basicConstraints(opts: { ca: boolean; pathLen?: number }): Buffer {
  const items = opts.ca ? [der.boolean(true)] : [];
  if (opts.ca && opts.pathLen !== undefined) items.push(der.integer(opts.pathLen));
  return extension(OID.basicConstraints, true, der.sequence(...items));
}

export function keyUsage(bits: number[]): Buffer {
  return extension(OID.keyUsage, true, der.namedBits(bits));
}

export function extKeyUsageServerAuth(): Buffer {
  return extension(OID.extKeyUsage, false, der.sequence(der.oid(OID.serverAuth)));
}

export function subjectKeyIdentifier(keyId: Buffer): Buffer {
  return extension(OID.subjectKeyIdentifier, false, der.octetString(keyId));
}

export function authorityKeyIdentifier(keyId: Buffer): Buffer {
  // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING, ... }
  return extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicitPrimitive(0, keyId)));
}

/**
 * subjectAltName with one entry: iPAddress for an IP literal, else dNSName.
 * Critical when the subject Name is empty (RFC 5280 4.2.1.6).
 */
export function subjectAltName(host: string, opts: { critical?: boolean } = {}): Buffer {
  const name = isIP(host)
    ? der.implicitPrimitive(7, ipAddressBytes(host))
    : der.implicitPrimitive(2, Buffer.from(host, 'ascii'));
  return extension(OID.subjectAltName, opts.critical ?? false, der.sequence(name));
}

/** Network-order bytes of an IPv4 (4) or IPv6 (16) literal; throws RangeError on anything else. */
export function ipAddressBytes(ip: string): Buffer {
  const version = isIP(ip);
  if (version === 4) return Buffer.from(ip.split('.').map(Number));
  if (version !== 6 || ip.includes('%')) throw new RangeError(`not an IP address: ${ip}`);
  let text = ip;
  const tail: number[] = [];
  const embedded = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (embedded) {
    const [a, b, c, d] = embedded.slice(2).map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    const head = embedded[1] ?? '';
    text = head.endsWith('::') ? head : head.slice(0, -1);
  }
  const halves = text.split('::');
  const parse = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const head = parse(halves[0]);
  const rest = parse(halves[1]);
  const zeros = halves.length > 1 ? 8 - head.length - rest.length - tail.length : 0;
  const groups = [...head, ...new Array<number>(Math.max(zeros, 0)).fill(0), ...rest, ...tail];
  if (groups.length !== 8) throw new RangeError(`not an IP address: ${ip}`);
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}
