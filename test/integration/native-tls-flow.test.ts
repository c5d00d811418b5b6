import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  connectNodeClient, exposeGc, openDescriptors, patternChunk, sleep, startAdoptingServer, startNodeTlsServer,
  terminateWorkerThatUsedAddon, transferBothWays, until,
} from '../support/native-tls-peers.js';
import { nativeTlsSuite } from '../support/native-tls-suite.js';

// Flow control, pipes, ends and teardown of the native transport, against Node's own TLS on
// 127.0.0.1; the server side is driven as the gateway drives it (adopt the accepted descriptor).

const MARK = `plaintext-marker-${randomBytes(6).toString('hex')}`;
const MiB = 1024 * 1024;
const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString();
const suite = nativeTlsSuite();
const { ca, upstreamLeaf, pair, dial, track } = suite;

describe('flow control', () => {
  it('pipes a body from one connection to another natively: intact, in order, bounded by a slow reader, then data again', async () => {
    const total = 48 * MiB;
    const upstream = track(await startNodeTlsServer({ certPem: upstreamLeaf.certPem, keyPem: upstreamLeaf.keyPem,
      // Sends once asked, so every byte of the body arrives after the pipe is set up.
      onSecure: (s) => s.once('data', () => {
        let sent = 0;
        const pump = (): void => {
          while (sent < total) {
            const chunk = patternChunk(sent, Math.min(256 * 1024, total - sent));
            sent += chunk.length;
            if (!s.write(chunk)) return void s.once('drain', pump);
          }
          s.write('after-the-body');
        };
        pump();
      }) }));
    const { client, connection } = await pair({ keepData: false });
    const from = dial(upstream.port);
    await until(() => from.log.has('secure'), 'the upstream handshake');
    let piped = -1;
    from.log.on.piped = (n: number) => (piped = n);
    from.connection.pipeTo(connection, total);
    from.connection.write(Buffer.from('go'));
    const hash = createHash('sha256');
    let received = 0;
    let stalled: { before: number; after: number } | null = null;
    client.socket.on('data', (d: Buffer) => {
      hash.update(d);
      received += d.length;
      if (stalled === null && received >= 4 * MiB) {
        // A slow agent: while it reads nothing the pipe must wait, not read the body into memory.
        client.socket.pause();
        const before = from.connection.progress();
        stalled = { before, after: before };
        setTimeout(() => {
          stalled!.after = from.connection.progress();
          client.socket.resume();
        }, 500);
      }
    });
    await until(() => received >= total && piped === total, 'the whole body piped and read', 30_000);
    const expected = createHash('sha256');
    for (let at = 0; at < total; at += 256 * 1024) expected.update(patternChunk(at, Math.min(256 * 1024, total - at)));
    expect(hash.digest('hex')).toBe(expected.digest('hex'));
    // Kernel socket buffers take some megabytes; without backpressure the pipe reads the rest.
    expect((stalled!.after - stalled!.before) / MiB).toBeLessThan(16);
    // What follows the piped bytes is data for JavaScript again.
    await until(() => text(from.log.chunks) === 'after-the-body', 'data after the pipe');
  }, 60_000);


  it('moves 64 MiB each way intact with bounded memory, honouring write() and drain', async () => {
    const gc = exposeGc();
    const { client, connection, log } = await pair({ keepData: false, allowHalfOpen: true });
    gc?.();
    const rssBefore = process.memoryUsage.rss();
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (gc?.(), (rssPeak = Math.max(rssPeak, process.memoryUsage.rss()))), 50);
    onTestFinished(() => clearInterval(sampler));
    const { toClient, toNative, clientWrites } = transferBothWays({ connection, log, client, total: 64 * MiB });
    await sleep(1000);
    // The client has read nothing: what the addon accepted sits in kernel buffers or its queue.
    expect(toClient.falses).toBeGreaterThan(0);
    expect(toClient.sent - toClient.received).toBeLessThan(24 * MiB);
    client.socket.resume();
    await clientWrites;
    await until(() => client.ended && log.has('end'), 'both directions to finish', 120_000);
    for (const t of [toClient, toNative]) {
      expect(t.received).toBe(64 * MiB);
      expect(t.receivedHash.digest('hex')).toBe(t.sentHash.digest('hex'));
    }
    expect(toClient.drains).toBeGreaterThan(0);
    expect(log.errors).toEqual([]);
    clearInterval(sampler);
    expect(rssPeak - rssBefore).toBeLessThan(48 * MiB);
  }, 180_000);

  // Nothing arrives while paused though the peer writes. Then a data handler pauses again at once:
  // after its one event, the rest sits on the socket (512 KiB) or may sit in OpenSSL's read-ahead
  // buffer (one full 64 KiB read chunk + a 100-byte record), where only resume() can find it.
  it.each([512 * 1024, 64 * 1024 + 100])('delivers nothing while paused, also from a data handler, then all in order (%i bytes)', async (size) => {
    const { client, connection, log } = await pair();
    const sent = randomBytes(size);
    connection.pause();
    client.socket.write(sent);
    await sleep(200);
    expect(log.events).not.toContain('data');
    log.on.data = () => connection.pause();
    connection.resume();
    await until(() => log.chunks.length > 0, 'the first chunk');
    await sleep(200);
    expect(log.chunks.length).toBe(1);
    log.on.data = undefined;
    connection.resume();
    await until(() => log.received().length >= sent.length, 'the rest after resume', 3000);
    expect(log.received().equals(sent)).toBe(true);
  });
});

describe('end, destroy and teardown', () => {
  it('end() half-closes: the peer reads to its end and can still send; the peer ending reports end', async () => {
    const { client, connection, log } = await pair({ allowHalfOpen: true });
    connection.write(Buffer.from('last words'));
    connection.end();
    await until(() => client.ended, "the client's end");
    expect(text(client.chunks)).toBe('last words');
    client.socket.write(`reply after end ${MARK}`);
    await until(() => text(log.chunks) === `reply after end ${MARK}`, 'data after end()');
    expect(log.has('end')).toBe(false);
    client.socket.end();
    await until(() => log.has('end'), 'the end handler');
    expect(log.errors).toEqual([]);
  });

  it('reports end when the peer sends a TCP FIN without close_notify', async () => {
    const { client, log } = await pair();
    client.socket.write('before fin');
    await until(() => text(log.chunks) === 'before fin', 'data before the FIN');
    client.raw.end();
    await until(() => log.has('end') || log.has('error'), 'end or error');
    // OpenSSL 3 calls a bare FIN "unexpected eof while reading" unless told to ignore it;
    // binding.ts promises `end` for close_notify or a TCP FIN alike.
    expect(log.errors, 'a bare FIN ends the stream').toEqual([]);
    expect(log.events).toContain('end');
  });

  it('destroy() closes at once: no handler runs afterwards and the peer sees the close', async () => {
    const before = suite.native().counts().connections;
    const { client, connection, log } = await pair();
    expect(suite.native().counts().connections).toBe(before + 1);
    connection.destroy();
    connection.destroy();
    const seen = log.events.length;
    client.socket.write('into the void');
    await until(() => client.closed, 'the client to see the close');
    await sleep(100);
    expect(log.events.length).toBe(seen);
    expect(connection.info()).toBeNull();
    expect(connection.write(Buffer.from('x'))).toBe(false);
    expect(suite.native().counts().connections).toBe(before);
  });

  it('leaks no descriptor or connection over 200 connect/destroy and 50 adopt/destroy cycles', async () => {
    const server = track(await startNodeTlsServer(upstreamLeaf));
    const adopting = track(await startAdoptingServer({ native: suite.native(), context: suite.bench().serverCtx }));
    const cycle = async (i: number) => {
      const { connection, log } = dial(server.port);
      if (i % 2 === 0) await until(() => log.has('secure'), 'secure'); // odd ones die mid-handshake
      connection.destroy();
    };
    await cycle(0); // warms up descriptors made lazily (epoll, timers) before counting
    await until(() => server.openSockets() === 0, 'the warm-up connection to close');
    const fds = openDescriptors();
    const connections = suite.native().counts().connections;
    for (let i = 0; i < 200; i++) await cycle(i);
    for (let i = 0; i < 50; i++) {
      const client = await connectNodeClient({ port: adopting.port, ca: ca.certPem, servername: 'api.example.test' });
      await until(() => adopting.accepted[i]?.log.has('secure') ?? false, 'adopted secure');
      adopting.accepted[i]!.connection.destroy();
      await until(() => client.closed, 'the client to see the close');
    }
    await until(() => server.openSockets() === 0, 'the Node server to drop every connection');
    await sleep(100);
    expect(suite.native().counts().connections).toBe(connections);
    expect(openDescriptors()).toBeLessThanOrEqual(fds + 4);
  }, 60_000);

  // A worker's loop must close with no handle of ours left open (else Node aborts), and no close
  // callback may run after the addon is unloaded (else SIGSEGV); run in a child process.
  it.each([false, true])('lets a worker thread that used the transport exit (a connection open: %s)', async (openConnection) => {
    const result = await terminateWorkerThatUsedAddon({ ca: ca.certPem, openConnection });
    expect(result).toMatchObject({ code: 0, signal: null, output: expect.stringContaining('terminated') });
  });
});
