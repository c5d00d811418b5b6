import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect, createServer as tlsCreateServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createCa, issueLeaf } from '../../src/vault/ca/ca.js';
import { NativeTls } from '../../src/vault/gateway/native-tls/native-tls.js';
import {
  Recorder, adoptedPair, allErrorMessages, closedPort, connectNodeClient, connectTo, exposeGc, openDescriptors, sleep,
  patternChunk, startAdoptingServer, startNodeTlsServer, terminateWorkerThatUsedAddon, transferBothWays, until, type Bench,
} from '../support/native-tls-peers.js';

// Real sockets and handshakes against Node's own TLS on 127.0.0.1. The addon's server side is
// driven as the gateway drives it: accept with net, adopt the descriptor, drop Node's socket.

const MARK = `plaintext-marker-${randomBytes(6).toString('hex')}`;
const MiB = 1024 * 1024;
const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString();
const ca = createCa();
const leaf = issueLeaf({ ca, host: 'api.example.test' });
const upstreamLeaf = issueLeaf({ ca, host: 'upstream.test' });
let native: NativeTls;
let bench: Bench;

beforeAll(() => {
  const loaded = NativeTls.load();
  if ('error' in loaded) throw new Error(`the native TLS transport is not available: ${loaded.error}`);
  native = loaded;
  bench = { native, serverCtx: native.serverContext(leaf), clientCtx: native.clientContext([ca.certPem]), cleanups: [],
    caPem: ca.certPem, leafHost: 'api.example.test' };
});

afterAll(async () => {
  for (const cleanup of bench?.cleanups.reverse() ?? []) await cleanup();
  native?.freeContext(bench?.serverCtx);
  native?.freeContext(bench?.clientCtx);
});

const pair = (o: Parameters<typeof adoptedPair>[1] = {}) => adoptedPair(bench, o);
const dial = (port: number, o: { servername?: string; verifyName?: string; context?: number } = {}) =>
  connectTo(bench, port, { servername: 'upstream.test', verifyName: 'upstream.test', ...o });
const track = <T extends { close(): Promise<void> }>(server: T): T => (bench.cleanups.push(() => server.close()), server);

describe('server side (adopt)', () => {
  it('is trusted by a Node client with the CA, reports SNI, ALPN http/1.1 (none for h2 only) and TLSv1.3; echoes', async () => {
    const { client, connection, log } = await pair({ alpn: ['h2', 'http/1.1'] });
    expect(client.socket.authorized).toBe(true);
    expect(client.socket.alpnProtocol).toBe('http/1.1');
    expect(connection.info()).toMatchObject({ servername: 'api.example.test', alpn: 'http/1.1', protocol: 'TLSv1.3' });
    log.on.data = (chunk) => connection.write(chunk);
    const payload = Buffer.concat([Buffer.from(MARK), randomBytes(300_000)]);
    client.socket.write(payload);
    await until(() => Buffer.concat(client.chunks).length >= payload.length, 'the echo');
    expect(Buffer.concat(client.chunks).equals(payload)).toBe(true);
    const h2 = await pair({ alpn: ['h2'] });
    expect([h2.connection.info()?.alpn, h2.client.socket.alpnProtocol]).toEqual(['', false]);
  });

  it("picks X25519 for the agents' leg although the client prefers the hybrid post-quantum group", async () => {
    const { client } = await pair();
    expect(client.socket.getEphemeralKeyInfo()).toMatchObject({ name: 'X25519' });
    // The same client with a Node TLS server (OpenSSL's defaults) gets the hybrid: the choice is ours.
    const server = tlsCreateServer({ key: leaf.keyPem, cert: leaf.certPem }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const other = tlsConnect({ port, host: '127.0.0.1', servername: 'api.example.test', ca: ca.certPem });
    await new Promise<void>((resolve, reject) => other.once('secureConnect', resolve).once('error', reject));
    expect(other.getEphemeralKeyInfo()).toMatchObject({ name: 'X25519MLKEM768' });
    other.destroy();
    server.close();
  });

  // Node reads the ClientHello (a handshake record, 0x16) before the addon adopts the socket:
  // whole, or only its first 20 bytes with the rest still on the socket.
  it.each([undefined, 20])('completes the handshake from a ClientHello already read off the socket (split at %s)', async (split) => {
    const { head, client, connection, log } = await pair({ readHead: true, splitFirstWriteAt: split });
    expect(head?.[0]).toBe(0x16);
    if (split) expect(head?.length).toBe(split);
    expect(connection.info()?.servername).toBe('api.example.test');
    client.socket.write(`after head ${MARK}`);
    await until(() => text(log.chunks) === `after head ${MARK}`, 'data after a head handshake');
  });
});

describe('client side (connect)', () => {
  it('resumes the TLS session on the next dial to the same destination, and only there', async () => {
    const server = track(await startNodeTlsServer({ certPem: upstreamLeaf.certPem, keyPem: upstreamLeaf.keyPem, onSecure: (s) => s.write('hi') }));
    const first = dial(server.port);
    await until(() => text(first.log.chunks) === 'hi', 'the first connection to read (and get its ticket)');
    expect(first.connection.info()?.reused).toBe(false);
    first.connection.destroy();
    const second = dial(server.port);
    await until(() => second.log.has('secure'), 'the second handshake');
    expect(second.connection.info()?.reused).toBe(true);
    // Another name on the same address is another destination: nothing to resume.
    const ipLeaf = issueLeaf({ ca, host: '127.0.0.1' });
    const byIp = track(await startNodeTlsServer({ certPem: ipLeaf.certPem, keyPem: ipLeaf.keyPem }));
    const third = dial(byIp.port, { servername: '', verifyName: '127.0.0.1' });
    await until(() => third.log.has('secure'), 'the third handshake');
    expect(third.connection.info()?.reused).toBe(false);
  });

  const echo = { ...upstreamLeaf, onSecure: (s: TLSSocket) => s.on('data', (c: Buffer) => s.write(c)) };

  it('verifies upstream.test, sends it as SNI, and round-trips data written and ended before the handshake', async () => {
    const server = track(await startNodeTlsServer(echo));
    const { connection, log } = dial(server.port);
    connection.write(Buffer.from(`queued before secure ${MARK}`));
    connection.end();
    await until(() => log.has('end'), 'the Node server to end after its echo');
    expect(text(log.chunks)).toBe(`queued before secure ${MARK}`);
    expect(server.sockets[0]?.readableEnded).toBe(true); // our close_notify came after the data
    expect(log.events[0]).toBe('secure');
    expect(server.servernames).toEqual(['upstream.test']);
    expect(connection.info()).toMatchObject({ servername: 'upstream.test', alpn: 'http/1.1', protocol: 'TLSv1.3' });
  });

  const otherCa = (context = native.clientContext([createCa().certPem])) =>
    (bench.cleanups.push(() => native.freeContext(context)), { context });
  it.each([['the wrong name', () => ({ verifyName: 'other.test' })], ['another CA', otherCa]])(
    'fails verification for %s, and the server never sees application data',
    async (_, options) => {
      const server = track(await startNodeTlsServer(echo));
      const { connection, log } = dial(server.port, options());
      connection.write(Buffer.from(`must not leave ${MARK}`));
      await until(() => log.has('error'), 'a verification error');
      expect(log.errors[0]).toMatch(/certificate verif/i);
      expect(log.has('secure')).toBe(false);
      await until(() => server.clientErrors.length > 0, 'the server to see the aborted handshake', 2000).catch(() => {});
      expect(server.sockets).toEqual([]);
      expect(server.received.flat()).toEqual([]);
    },
  );

  it('verifies an IP certificate with no SNI, and rejects it for another IP', async () => {
    const server = track(await startNodeTlsServer(issueLeaf({ ca, host: '127.0.0.1' })));
    const ok = dial(server.port, { servername: '', verifyName: '127.0.0.1' });
    await until(() => ok.log.has('secure') || ok.log.has('error'), 'the IP handshake');
    expect(ok.log.errors).toEqual([]);
    expect(ok.connection.info()?.servername).toBe('');
    await until(() => server.servernames.length === 1, 'the server side of the handshake');
    expect(server.servernames).toEqual(['']);
    const wrong = dial(server.port, { servername: '', verifyName: '127.0.0.2' });
    await until(() => wrong.log.has('error'), 'an IP mismatch error');
    expect(wrong.log.errors[0]).toMatch(/certificate verif/i);
  });

  it('reports a refused connection through the error handler, never secure', async () => {
    const { log } = dial(await closedPort());
    await until(() => log.has('error'), 'a connect error');
    expect(log.events).toEqual(['error']);
    // libuv reports POLLERR as UV_EBADF: the reason must come from the socket's SO_ERROR.
    expect(log.errors[0]).toMatch(/refused/i);
  });
});

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
    const before = native.counts().connections;
    const { client, connection, log } = await pair();
    expect(native.counts().connections).toBe(before + 1);
    connection.destroy();
    connection.destroy();
    const seen = log.events.length;
    client.socket.write('into the void');
    await until(() => client.closed, 'the client to see the close');
    await sleep(100);
    expect(log.events.length).toBe(seen);
    expect(connection.info()).toBeNull();
    expect(connection.write(Buffer.from('x'))).toBe(false);
    expect(native.counts().connections).toBe(before);
  });

  it('leaks no descriptor or connection over 200 connect/destroy and 50 adopt/destroy cycles', async () => {
    const server = track(await startNodeTlsServer(upstreamLeaf));
    const adopting = track(await startAdoptingServer({ native, context: bench.serverCtx }));
    const cycle = async (i: number) => {
      const { connection, log } = dial(server.port);
      if (i % 2 === 0) await until(() => log.has('secure'), 'secure'); // odd ones die mid-handshake
      connection.destroy();
    };
    await cycle(0); // warms up descriptors made lazily (epoll, timers) before counting
    await until(() => server.openSockets() === 0, 'the warm-up connection to close');
    const fds = openDescriptors();
    const connections = native.counts().connections;
    for (let i = 0; i < 200; i++) await cycle(i);
    for (let i = 0; i < 50; i++) {
      const client = await connectNodeClient({ port: adopting.port, ca: ca.certPem, servername: 'api.example.test' });
      await until(() => adopting.accepted[i]?.log.has('secure') ?? false, 'adopted secure');
      adopting.accepted[i]!.connection.destroy();
      await until(() => client.closed, 'the client to see the close');
    }
    await until(() => server.openSockets() === 0, 'the Node server to drop every connection');
    await sleep(100);
    expect(native.counts().connections).toBe(connections);
    expect(openDescriptors()).toBeLessThanOrEqual(fds + 4);
  }, 60_000);

  // A worker's loop must close with no handle of ours left open (else Node aborts), and no close
  // callback may run after the addon is unloaded (else SIGSEGV); run in a child process.
  it.each([false, true])('lets a worker thread that used the transport exit (a connection open: %s)', async (openConnection) => {
    const result = await terminateWorkerThatUsedAddon({ ca: ca.certPem, openConnection });
    expect(result).toMatchObject({ code: 0, signal: null, output: expect.stringContaining('terminated') });
  });
});

describe('bad inputs and error messages', () => {
  it('rejects a garbage key without echoing the PEM, a mismatched key, and an empty trust set', async () => {
    const body = Buffer.from(`${MARK}${MARK}`).toString('base64');
    const garbageKey = [`-----BEGIN ${'PRIVATE'} KEY-----`, body, `-----END ${'PRIVATE'} KEY-----`, ''].join('\n');
    const error: unknown = await (async () => native.serverContext({ certPem: leaf.certPem, keyPem: garbageKey }))().catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).not.toBe('');
    for (const leak of [body, 'BEGIN', MARK, leaf.certPem.slice(30, 60)]) expect(message).not.toContain(leak);
    expect(() => native.serverContext({ certPem: leaf.certPem, keyPem: upstreamLeaf.keyPem })).toThrow(Error);
    expect(() => native.serverContext({ certPem: 'not a certificate', keyPem: leaf.keyPem })).toThrow(Error);
    expect(() => native.clientContext([])).toThrow(Error);
    expect(() => native.clientContext(['not a certificate'])).toThrow(Error);
  });

  it('refuses to dial anything but an IP literal, or without a name to verify, or to adopt no descriptor', () => {
    const before = native.counts().connections;
    const base = { port: 443, servername: 'upstream.test', verifyName: 'upstream.test', context: bench.clientCtx, handlers: new Recorder().handlers };
    for (const address of ['localhost', 'upstream.test', '127.0.0.1.example', '']) expect(() => native.connect({ ...base, address })).toThrow(Error);
    expect(() => native.connect({ ...base, address: '127.0.0.1', verifyName: '' })).toThrow(Error);
    expect(() => native.adopt({ fd: -1, context: bench.serverCtx, head: null, handlers: base.handlers })).toThrow(Error);
    expect(native.counts().connections).toBe(before);
  });

  it('never puts plaintext in an error: a corrupted record, a reset mid-write, and every error so far', async () => {
    const corrupt = await pair();
    corrupt.client.socket.write(`${MARK} secret body`);
    await until(() => text(corrupt.log.chunks).includes(MARK), 'the payload');
    corrupt.client.raw.write(Buffer.concat([Buffer.from([0x17, 0x03, 0x03, 0x00, 0x40]), randomBytes(64)]));
    await until(() => corrupt.log.has('error'), 'a read error');
    const reset = await pair();
    reset.log.on.drain = () => void reset.connection.write(Buffer.from(MARK.repeat(4096)));
    reset.connection.write(Buffer.from(MARK.repeat(20_000)));
    await until(() => reset.client.chunks.length > 0, 'the first payload bytes');
    reset.client.raw.resetAndDestroy();
    await until(() => reset.log.has('error'), 'a write or read error after the reset');
    expect(allErrorMessages.length).toBeGreaterThanOrEqual(2);
    for (const message of allErrorMessages) expect(message).not.toMatch(new RegExp(`${MARK}|secret body`));
  });
});
