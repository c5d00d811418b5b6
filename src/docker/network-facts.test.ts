import { describe, expect, it } from 'vitest';
import { canonicalFacts, factDifferences, FACTS_BEGIN, FACTS_END, parseFactsReport } from './network-facts.js';

// What the start gate printed in an agent container on an --internal, inhibit_ipv4 network (Docker 20.10).
const ROUTE_HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT   ';
const report = (o: { use?: string; ipv6?: string[]; links?: string[]; noise?: string } = {}) =>
  [
    o.noise ?? '',
    FACTS_BEGIN,
    '@/proc/net/route',
    ROUTE_HEADER,
    `eth0\t00000000\t0170A8C0\t0003\t0\t${o.use ?? '0'}\t0\t00000000\t0\t0\t0   `,
    'eth0\t0070A8C0\t00000000\t0001\t0\t0\t0\t00F0FFFF\t0\t0\t0   ',
    '@/proc/net/ipv6_route',
    '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo',
    '@/proc/net/if_inet6',
    ...(o.ipv6 ?? []),
    '@/sys/class/net',
    ...(o.links ?? ['eth0', 'lo']),
    FACTS_END,
    '',
  ].join('\n');

describe('network facts', () => {
  it('waits for the whole report, then reads each source', () => {
    const text = report({ noise: 'some earlier output' });
    expect(parseFactsReport(text.slice(0, text.indexOf(FACTS_END)))).toBeNull();
    const raw = parseFactsReport(text)!;
    expect(raw['/proc/net/route']).toHaveLength(3);
    expect(raw['/sys/class/net']).toEqual(['eth0', 'lo']);
    expect(raw['/proc/net/if_inet6']).toEqual([]);
  });

  it('leaves out counters, the header and the container’s own addresses', () => {
    const a = canonicalFacts(parseFactsReport(report({ use: '0' }))!);
    const b = canonicalFacts(parseFactsReport(report({ use: '17' }))!);
    expect(a).toEqual(b);
    expect(a).toContain('route4 00000000/00000000 via 0170A8C0 dev eth0 flags 0003 metric 0');
    expect(a.some((l) => l.includes('Iface'))).toBe(false);
    const own = (addr: string) => `${addr} 05 40 00 80 eth0`;
    const v6a = canonicalFacts(parseFactsReport(report({ ipv6: [own('fd000000000000000000000000000002')] }))!);
    const v6b = canonicalFacts(parseFactsReport(report({ ipv6: [own('fd000000000000000000000000000003')] }))!);
    expect(v6a).toEqual(v6b);
    expect(v6a).toContain('addr6 self/40 scope 00 dev eth0');
  });

  it('tells a second interface, a new route or an IPv6 address apart', () => {
    const proven = canonicalFacts(parseFactsReport(report())!);
    const changed = [
      report({ links: ['eth0', 'eth1', 'lo'] }),
      report({ ipv6: ['fd000000000000000000000000000002 05 40 00 80 eth0'] }),
      report().replace('0170A8C0', '0270A8C0'),
    ];
    for (const text of changed) {
      const d = factDifferences(proven, canonicalFacts(parseFactsReport(text)!));
      expect(d.added.length + d.missing.length).toBeGreaterThan(0);
    }
    expect(factDifferences(proven, proven)).toEqual({ added: [], missing: [] });
  });
});
