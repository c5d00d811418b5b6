import { BlockList } from 'node:net';
import { describe, expect, it } from 'vitest';
import { pick, seededRandom } from '../../../test/support/seeded-random.js';
import { classifyAddress, classifyIPv4, parseIPv6 } from './address-class.js';

// Generated addresses against independent oracles: Node's BlockList for the IPv4 ranges (so the
// prefix arithmetic is checked by other code), a round trip through every textual form for the
// IPv6 parser, and the rule that an IPv6 form which reaches an IPv4 address is judged by it.

const BLOCKED_V4 = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
  '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24',
  '224.0.0.0/4', '240.0.0.0/4',
];

const oracle = new BlockList();
for (const cidr of BLOCKED_V4) {
  const [net = '', bits = ''] = cidr.split('/');
  oracle.addSubnet(net, Number(bits), 'ipv4');
}

const dotted = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

/** Mostly addresses at or next to a range's edges, where off-by-one errors live. */
function v4Address(r: () => number): number {
  if (r() < 0.3) return Math.floor(r() * 2 ** 32) >>> 0;
  const [net = '', bits = ''] = pick(r, BLOCKED_V4).split('/');
  const base = net.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  const edge = r() < 0.5 ? base : base + size - 1;
  return (edge + Math.floor(r() * 5) - 2 + 2 ** 32) % 2 ** 32 >>> 0;
}

/** One of the many ways to write eight groups: compressed or not, padded, upper case, dotted tail. */
function render(r: () => number, groups: number[]): string {
  const hex = groups.map((g) => {
    const h = g.toString(16);
    const padded = r() < 0.2 ? h.padStart(4, '0') : h;
    return r() < 0.2 ? padded.toUpperCase() : padded;
  });
  if (r() < 0.3) hex.splice(6, 2, dotted((((groups[6] ?? 0) << 16) | (groups[7] ?? 0)) >>> 0));
  let zeroRun: [number, number] | null = null;
  for (let i = 0; i < hex.length; i++) {
    if (groups[i] !== 0 || (i >= 6 && hex.length === 7)) continue;
    let j = i;
    while (j < hex.length && groups[j] === 0 && !(j >= 6 && hex.length === 7)) j++;
    if (!zeroRun || j - i > zeroRun[1] - zeroRun[0]) zeroRun = [i, j];
    i = j;
  }
  if (zeroRun && r() < 0.8) {
    const [a, b] = zeroRun;
    return `${hex.slice(0, a).join(':')}::${hex.slice(b).join(':')}`;
  }
  return hex.join(':');
}

describe('address classification on generated addresses', () => {
  it('blocks exactly the IPv4 addresses in the special-purpose ranges (20,000, mostly at range edges)', () => {
    const r = seededRandom(7);
    for (let i = 0; i < 20_000; i++) {
      const n = v4Address(r);
      const text = dotted(n);
      expect(classifyIPv4(n) !== null, text).toBe(oracle.check(text, 'ipv4'));
      expect(classifyAddress(text)).toBe(classifyIPv4(n));
    }
  });

  it('parses every textual form of an IPv6 address to the same eight groups (5,000)', () => {
    const r = seededRandom(8);
    for (let i = 0; i < 5_000; i++) {
      const groups = Array.from({ length: 8 }, () => (r() < 0.4 ? 0 : Math.floor(r() * 0x10000)));
      const text = render(r, groups);
      expect(parseIPv6(text), text).toEqual(groups);
      expect(parseIPv6(`[${text}]`), text).toEqual(groups);
    }
  });

  it('judges every IPv6 form that reaches an IPv4 address by that address (5,000)', () => {
    const r = seededRandom(9);
    for (let i = 0; i < 5_000; i++) {
      const n = v4Address(r);
      const hi = (n >>> 16).toString(16);
      const lo = (n & 0xffff).toString(16);
      const expected = classifyIPv4(n);
      for (const form of [`::ffff:${dotted(n)}`, `::ffff:${hi}:${lo}`, `0:0:0:0:0:FFFF:${hi}:${lo}`, `64:ff9b::${dotted(n)}`, `64:ff9b::${hi}:${lo}`, `2002:${hi}:${lo}::1`]) {
        expect(classifyAddress(form), form).toBe(expected);
      }
    }
  });
});
