import { DialAgent, get } from '../client.js';
import type { LargeResult } from '../results.js';
import type { CaseContext } from '../subject.js';

const MIB = 1024 * 1024;
const SAMPLE_MS = 100;

/** One large download on a warm connection: MiB/s, and the proxy's RSS sampled while it streams. */
export async function runLargeBody(ctx: CaseContext): Promise<LargeResult> {
  const { subject, target, settings } = ctx;
  const agent = new DialAgent(() => subject.dial(target.host), { maxSockets: 1 });
  const bytes = settings.largeMiB * MIB;
  const probe = subject.probe;
  let rssMax: number | null = null;
  let sampling = true;
  let sampler: Promise<void> = Promise.resolve();
  try {
    await get({ target, path: '/small', agent });
    await probe?.gc();
    const rssBefore = probe ? (await probe.figures()).rssBytes : null;
    if (probe) {
      rssMax = rssBefore;
      sampler = (async () => {
        while (sampling) {
          await new Promise((r) => setTimeout(r, SAMPLE_MS));
          const rss = (await probe.figures()).rssBytes;
          rssMax = Math.max(rssMax ?? 0, rss);
        }
      })();
    }
    const started = performance.now();
    // Bounded: a slow proxy is measured on what it delivered by the deadline.
    const deadline = started + Math.max(10_000, settings.seconds * 3_000);
    let errors = 0;
    let received = 0;
    try {
      const r = await get({ target, path: `/large?bytes=${bytes}`, agent, deadline });
      received = r.bytes;
      if (r.status !== 200 || (!r.truncated && r.bytes !== bytes)) errors++;
    } catch {
      errors++;
    }
    const seconds = (performance.now() - started) / 1_000;
    sampling = false;
    await sampler;
    return {
      bytes: received,
      seconds,
      mibPerSecond: received / MIB / seconds,
      errors,
      rssBeforeMiB: rssBefore === null ? null : rssBefore / MIB,
      rssMaxMiB: rssMax === null ? null : rssMax / MIB,
    };
  } finally {
    sampling = false;
    agent.destroy();
  }
}
