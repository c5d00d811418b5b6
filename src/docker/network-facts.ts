/**
 * What an agent's network looks like from inside its container: its interfaces, IPv4 and IPv6
 * routes and IPv6 addresses, read by the start gate before the agent's command runs. A proof of
 * the lockdown holds for a container whose facts equal the facts of the container it was proven
 * from. Pure.
 */

export const FACTS_BEGIN = '@nanoclaw-network-facts';
export const FACTS_END = '@end';
/** The files the gate prints, each after a line `@<path>`; `/sys/class/net` lists interface names. */
export const FACT_SOURCES = ['/proc/net/route', '/proc/net/ipv6_route', '/proc/net/if_inet6', '/sys/class/net'] as const;

export type RawFacts = Record<(typeof FACT_SOURCES)[number], string[]>;

/** The gate's report (between FACTS_BEGIN and FACTS_END) as lines per source; null while incomplete. */
export function parseFactsReport(text: string): RawFacts | null {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const begin = lines.indexOf(FACTS_BEGIN);
  const end = lines.indexOf(FACTS_END, begin + 1);
  if (begin < 0 || end < 0) return null;
  const raw = Object.fromEntries(FACT_SOURCES.map((s) => [s, [] as string[]])) as RawFacts;
  let current: string[] | null = null;
  for (const line of lines.slice(begin + 1, end)) {
    const source = FACT_SOURCES.find((s) => line === `@${s}`);
    if (source) current = raw[source];
    else if (current && line.trim()) current.push(line.trim());
  }
  return raw;
}

const cols = (line: string) => line.split(/\s+/);

/**
 * The facts with everything that differs between two containers on the same network left out:
 * counters (Use, RefCnt), interface indexes and the container's own addresses (shown as `self`).
 * Sorted, so two containers with the same network compare equal line by line.
 */
export function canonicalFacts(raw: RawFacts): string[] {
  const own = new Set(raw['/proc/net/if_inet6'].map((l) => cols(l)[0] ?? ''));
  const v6 = (addr: string) => (own.has(addr) && addr !== '00000000000000000000000000000001' ? 'self' : addr);
  const out: string[] = [];
  for (const line of raw['/proc/net/route']) {
    const [iface, dest, gateway, flags, , , metric, mask] = cols(line);
    if (iface === 'Iface') continue; // the header
    out.push(`route4 ${dest}/${mask} via ${gateway} dev ${iface} flags ${flags} metric ${metric}`);
  }
  for (const line of raw['/proc/net/ipv6_route']) {
    const [dest = '', plen, src = '', srcPlen, nextHop = '', metric, , , flags, iface] = cols(line);
    out.push(`route6 ${v6(dest)}/${plen} from ${v6(src)}/${srcPlen} via ${v6(nextHop)} dev ${iface} flags ${flags} metric ${metric}`);
  }
  for (const line of raw['/proc/net/if_inet6']) {
    const [addr = '', , plen, scope, , iface] = cols(line);
    out.push(`addr6 ${v6(addr)}/${plen} scope ${scope} dev ${iface}`);
  }
  for (const name of raw['/sys/class/net']) out.push(`link ${name}`);
  return out.sort();
}

/** The lines of `actual` not in `proven` and the reverse, for a message; both empty when they match. */
export function factDifferences(proven: readonly string[], actual: readonly string[]): { added: string[]; missing: string[] } {
  const p = new Set(proven);
  const a = new Set(actual);
  return { added: actual.filter((l) => !p.has(l)), missing: proven.filter((l) => !a.has(l)) };
}
