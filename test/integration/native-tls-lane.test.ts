import { describe, expect, it } from 'vitest';
import type { LaneDecision, LaneOutcome, LaneTakeover } from '../../src/vault/gateway/native-tls/binding.js';
import { METHOD_OVERRIDE_HEADERS } from '../../src/vault/inject/method-override.js';
import { startNodeTlsServer, until } from '../support/native-tls-peers.js';
import { nativeTlsSuite } from '../support/native-tls-suite.js';

// The fast lane's ownership of upstream connections, driven as the gateway drives the addon but
// with decisions chosen by the test: an exchange's upstream is never detached by another's.

const suite = nativeTlsSuite();
const { upstreamLeaf, pair, dial, track } = suite;
const HOST = 'api.example.test';
const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString('latin1');

/** An agent connection with its lane armed, answering every lane request with `decide()`. */
async function laneAgent(decide: () => LaneDecision | undefined) {
  const { client, connection, log } = await pair();
  const done: LaneOutcome[] = [];
  const takeovers: { takeover: LaneTakeover; bytesIn: number }[] = [];
  log.handlers.laneRequest = () => decide();
  log.handlers.laneDone = (outcome) => void done.push(outcome);
  log.handlers.laneTakeover = (takeover, bytesIn) => void takeovers.push({ takeover, bytesIn });
  connection.laneArm(HOST, 16 * 1024);
  return { client, connection, log, done, takeovers };
}

describe('fast lane upstream ownership', () => {
  it('a takeover never detaches an upstream another exchange is using', async () => {
    const upstream = track(await startNodeTlsServer({ ...upstreamLeaf }));
    const up = dial(upstream.port);
    await until(() => up.log.has('secure'), 'the upstream handshake');
    const decision = (): LaneDecision => [up.connection.id, Buffer.from('x-key: value-1'), Buffer.alloc(0), Buffer.alloc(0)];

    const a = await laneAgent(decision);
    a.client.socket.write(`GET /a HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
    await until(() => text(upstream.received[0] ?? []).includes('\r\n\r\n'), 'the upstream to get A’s request');
    expect(text(upstream.received[0]!)).toBe(`GET /a HTTP/1.1\r\nhost: ${HOST}\r\nx-key: value-1\r\n\r\n`);

    // B is told to use the upstream A's exchange holds: the lane must refuse it, not take it.
    const b = await laneAgent(decision);
    b.client.socket.write(`POST /b HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 4\r\n\r\nbody`);
    await until(() => b.takeovers.length === 1, 'B’s request to be handed to JavaScript');

    // A's response still reaches A through its lane, and none of it reaches JavaScript as upstream data.
    upstream.sockets[0]!.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    await until(() => a.done.length === 1, 'A’s exchange to finish on the lane');
    await until(() => text(a.client.chunks).endsWith('ok'), 'A’s response');
    expect(text(a.client.chunks)).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nok$/);
    expect(a.done[0]![0]).toBe(200);
    expect(up.log.has('data')).toBe(false);
    expect(text(upstream.received[0]!)).not.toContain('/b');

    // Nothing of B's went out: JavaScript is told so (upstream 0) and gets the whole request to send itself.
    const [received, request, why, upstreamId] = b.takeovers[0]!.takeover;
    expect({ received: received.length, why, upstreamId }).toEqual({ received: 0, why: 'the pooled upstream connection is no longer usable', upstreamId: 0 });
    expect(request.toString('latin1')).toBe(`POST /b HTTP/1.1\r\nhost: ${HOST}\r\ncontent-length: 4\r\nx-key: value-1\r\n\r\nbody`);
  });

  it.each(METHOD_OVERRIDE_HEADERS)('leaves a request with %s to JavaScript, untouched', async (name) => {
    let asked = 0;
    const agent = await laneAgent(() => (asked++, undefined));
    const request = `POST /x HTTP/1.1\r\nHost: ${HOST}\r\n${name.toUpperCase()}: DELETE\r\nContent-Length: 0\r\n\r\n`;
    agent.client.socket.write(request);
    await until(() => text(agent.log.chunks) === request, 'the request as data for JavaScript');
    expect(asked).toBe(0);
  });
});
