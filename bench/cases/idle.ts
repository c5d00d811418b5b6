import { DialAgent, get } from '../client.js';
import type { IdleResult } from '../results.js';
import type { CaseContext } from '../subject.js';

const BATCH = 16;
const KIB = 1024;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Proxy memory per idle connection (for direct: the upstream's, a plain Node TLS server's).
 * Opens N connections (CONNECT + TLS + one request each, so every per-connection structure
 * exists), leaves them idle, and divides the RSS growth by N.
 * Connections open in batches of 16 and the baseline is taken after a 16-wide warm-up, so the
 * proxy's shared upstream pool is already full and not counted as per-connection memory.
 * Both readings come after the same pause, a full collection and more idle time: memory
 * a process gives back on its own once connections stop arriving (the native transport trims
 * its heap a second after churn stops) is not held by idle connections.
 */
export async function runIdle(ctx: CaseContext): Promise<IdleResult> {
  const { subject, target, settings } = ctx;
  const probe = subject.probe ?? ctx.upstream;
  const agents: DialAgent[] = [];
  const newAgent = (): DialAgent => {
    const agent = new DialAgent(() => subject.dial(target.host), { maxSockets: BATCH, maxFreeSockets: BATCH });
    agents.push(agent);
    return agent;
  };
  const batch = async (agent: DialAgent, n: number): Promise<number> => {
    const results = await Promise.allSettled(Array.from({ length: n }, () => get({ target, path: '/small', agent })));
    return results.filter((r) => r.status === 'fulfilled' && r.value.status === 200).length;
  };
  const settledRss = async (): Promise<number> => {
    await sleep(settings.idleSettleMs / 3);
    await probe.gc();
    await sleep((settings.idleSettleMs * 2) / 3);
    return (await probe.figures()).rssBytes;
  };
  try {
    await batch(newAgent(), BATCH);
    agents.pop()?.destroy();
    const before = await settledRss();
    const deadline = performance.now() + Math.max(60_000, settings.seconds * 15_000);
    let open = 0;
    let errors = 0;
    while (open + errors < settings.idleConnections && performance.now() < deadline) {
      const n = Math.min(BATCH, settings.idleConnections - open - errors);
      const ok = await batch(newAgent(), n);
      open += ok;
      errors += n - ok;
    }
    const after = await settledRss();
    return {
      connections: open,
      errors,
      rssBeforeMiB: before / (KIB * KIB),
      rssAfterMiB: after / (KIB * KIB),
      kibPerConnection: open > 0 ? (after - before) / KIB / open : null,
    };
  } finally {
    for (const agent of agents) agent.destroy();
  }
}
