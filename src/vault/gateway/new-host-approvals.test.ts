import { describe, expect, it } from 'vitest';
import { testAgent } from '../../../test/support/vault-fixtures.js';
import type { HoldOutcome, HoldRequest } from '../approvals/types.js';
import { NewHostApprovals } from './new-host-approvals.js';

/** A gate whose holds the test ends by hand. */
function fakeGate() {
  const holds: { request: HoldRequest; signal: AbortSignal; end(o: HoldOutcome): void }[] = [];
  const gate = {
    hold: (request: HoldRequest, signal: AbortSignal) => new Promise<HoldOutcome>((end) => holds.push({ request, signal, end })),
  };
  return { gate, holds };
}

const agent = testAgent({ egressPolicy: 'ask' });
const approved: HoldOutcome = { decision: 'approved', approvalId: 'apr_1', grantId: null, bodyDigest: '' };
const question = (host: string) => ({ agent, host, port: 443, method: 'CONNECT' });

describe('NewHostApprovals', () => {
  it('asks once for concurrent requests to the same host, and answers them all', async () => {
    const { gate, holds } = fakeGate();
    const asks = new NewHostApprovals({ approvals: gate, logger: { info: () => undefined } });
    const waiting = [1, 2, 3].map(() => asks.ask(question('new.test'), new AbortController().signal));
    const other = asks.ask(question('other.test'), new AbortController().signal);
    expect(holds.map((h) => [h.request.kind, h.request.method, h.request.host, h.request.path])).toEqual([
      ['new_host', 'CONNECT', 'new.test', ':443'],
      ['new_host', 'CONNECT', 'other.test', ':443'],
    ]);
    holds[0]!.end(approved);
    expect(await Promise.all(waiting)).toEqual([approved, approved, approved]);
    // Answered: the next request asks again (allow once covers the requests that waited).
    void asks.ask(question('new.test'), new AbortController().signal);
    expect(holds).toHaveLength(3);
    holds[1]!.end(approved);
    await other;
  });

  it('cancels the shared approval only when every request waiting on it has gone', () => {
    const { gate, holds } = fakeGate();
    const asks = new NewHostApprovals({ approvals: gate, logger: { info: () => undefined } });
    const left = [new AbortController(), new AbortController()];
    for (const c of left) void asks.ask(question('new.test'), c.signal);
    left[0]!.abort();
    expect(holds[0]!.signal.aborted).toBe(false);
    left[1]!.abort();
    expect(holds[0]!.signal.aborted).toBe(true);
  });

  it('refuses at once without an approvals service (fails closed)', async () => {
    expect(await new NewHostApprovals({ approvals: undefined, logger: { info: () => undefined } }).ask(question('new.test'), new AbortController().signal)).toMatchObject({ decision: 'unreachable' });
  });
});
