import { DialAgent, get } from '../client.js';
import type { SseResult } from '../results.js';
import { msSince, summarize } from '../stats.js';
import type { CaseContext } from '../subject.js';

/** Splits complete SSE events off `buffer`; returns each event's `data` and the unparsed rest. */
export function takeEvents(buffer: string): { data: string[]; rest: string } {
  const blocks = buffer.split('\n\n');
  const rest = blocks.pop() ?? '';
  const data = blocks.map((block) =>
    block
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trim())
      .join('\n'),
  );
  return { data, rest };
}

/**
 * Server-sent events on a warm keep-alive connection: time from request to first event, and
 * each event's delay from the upstream's write (monotonic clock stamp in the event) to parsing.
 */
export async function runSse(ctx: CaseContext): Promise<SseResult> {
  const { subject, target, settings } = ctx;
  const agent = new DialAgent(() => subject.dial(target.host), { maxSockets: 1 });
  const first: number[] = [];
  const delays: number[] = [];
  let errors = 0;
  let events = 0;
  try {
    await get({ target, path: '/small', agent });
    for (let s = 0; s < settings.sseStreams; s++) {
      const start = process.hrtime.bigint();
      let buffer = '';
      let seen = 0;
      try {
        const r = await get({
          target,
          path: `/sse?events=${settings.sseEvents}&gap=${settings.sseGapMs}`,
          agent,
          onData: (chunk) => {
            const now = process.hrtime.bigint();
            const parsed = takeEvents(buffer + chunk.toString('utf8'));
            buffer = parsed.rest;
            for (const data of parsed.data) {
              if (seen++ === 0) first.push(msSince(start, now));
              delays.push(msSince(BigInt(data), now));
            }
          },
        });
        events += seen;
        if (r.status !== 200 || seen !== settings.sseEvents) errors++;
      } catch {
        errors++;
      }
    }
  } finally {
    agent.destroy();
  }
  return {
    streams: settings.sseStreams,
    events,
    errors,
    firstEventMs: summarize(first),
    eventDelayMs: summarize(delays),
  };
}
