import { get } from '../client.js';
import type { ConnectResult } from '../results.js';
import { msSince, summarize } from '../stats.js';
import type { CaseContext } from '../subject.js';

/**
 * A fresh connection per sample: CONNECT (for proxies) + TLS handshake + first request and its
 * whole response. `hosts` repeats one name (cached leaf) or lists names never used before.
 */
export async function runNewConnections(ctx: CaseContext, hosts: readonly string[]): Promise<ConnectResult> {
  const times: number[] = [];
  let errors = 0;
  for (const host of hosts) {
    const start = process.hrtime.bigint();
    let socket: Awaited<ReturnType<typeof ctx.subject.dial>> | undefined;
    try {
      socket = await ctx.subject.dial(host);
      const r = await get({ target: { ...ctx.target, host }, path: '/small', socket });
      if (r.status === 200) times.push(msSince(start));
      else errors++;
    } catch {
      errors++;
    } finally {
      socket?.destroy();
    }
  }
  return { samples: times.length, errors, ms: summarize(times) };
}
