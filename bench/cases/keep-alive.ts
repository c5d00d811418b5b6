import { DialAgent, get } from '../client.js';
import type { LoadResult } from '../results.js';
import { msSince, summarize } from '../stats.js';
import type { CaseContext } from '../subject.js';

interface LoopOutcome {
  latencies: number[];
  errors: number;
}

/** `connections` loops, each sending its next request when the previous response ended. */
async function loops(ctx: CaseContext, agent: DialAgent, connections: number, ms: number, max: number): Promise<LoopOutcome> {
  const out: LoopOutcome = { latencies: [], errors: 0 };
  const deadline = performance.now() + ms;
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline && issued < max) {
      issued++;
      const start = process.hrtime.bigint();
      try {
        const r = await get({ target: ctx.target, path: '/small', agent });
        if (r.status === 200) out.latencies.push(msSince(start));
        else out.errors++;
      } catch {
        out.errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return out;
}

/** Keep-alive requests/s and latency at `connections` concurrent connections, and proxy CPU per request. */
export async function runKeepAlive(ctx: CaseContext, connections: number): Promise<LoadResult> {
  const { subject, target, settings } = ctx;
  const agent = new DialAgent(() => subject.dial(target.host), { maxSockets: connections, maxFreeSockets: connections });
  try {
    // Warm-up: opens every connection and lets both sides' JIT settle before measuring.
    const warm = await loops(ctx, agent, connections, Math.min(500, settings.seconds * 250), settings.maxRequests);
    const before = await subject.probe?.figures();
    const upBefore = await ctx.upstream.figures();
    const clientBefore = process.cpuUsage();
    const started = performance.now();
    const run = await loops(ctx, agent, connections, settings.seconds * 1_000, settings.maxRequests);
    const seconds = (performance.now() - started) / 1_000;
    const client = process.cpuUsage(clientBefore);
    const after = await subject.probe?.figures();
    const upAfter = await ctx.upstream.figures();
    const requests = run.latencies.length;
    return {
      connections,
      requests,
      errors: run.errors + warm.errors,
      seconds,
      rps: requests / seconds,
      latencyMs: summarize(run.latencies),
      cpuUsPerRequest: before && after && requests > 0 ? (after.cpuMicros - before.cpuMicros) / requests : null,
      upstreamCpuUsPerRequest: requests > 0 ? (upAfter.cpuMicros - upBefore.cpuMicros) / requests : null,
      clientCpuUsPerRequest: requests > 0 ? (client.user + client.system) / requests : null,
    };
  } finally {
    agent.destroy();
  }
}
