import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect, createServer as tlsCreateServer, type TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { createCa, issueLeaf } from '../../src/vault/ca/ca.js';
import { Recorder, allErrorMessages, closedPort, startAdoptingServer, startNodeTlsServer, until } from '../support/native-tls-peers.js';
import { nativeTlsSuite } from '../support/native-tls-suite.js';

// Real sockets and handshakes against Node's own TLS on 127.0.0.1. The addon's server side is
// driven as the gateway drives it: accept with net, adopt the descriptor, drop Node's socket.

const MARK = `plaintext-marker-${randomBytes(6).toString('hex')}`;
const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString();
const suite = nativeTlsSuite();
const { ca, leaf, upstreamLeaf, pair, dial, track } = suite;

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

  it('gives freed heap memory back once connections stop coming and going, not before', async () => {
    const { trimmer } = suite.native();
    await until(() => !trimmer.pending, 'earlier connections to be trimmed after', 5_000);
    const before = trimmer.trims;
    for (let i = 0; i < 4; i++) {
      const { client, connection } = await pair();
      connection.destroy();
      client.socket.destroy();
    }
    expect(trimmer.pending).toBe(true);
    expect(trimmer.trims).toBe(before);
    await until(() => trimmer.trims > before, 'a trim after the churn', 5_000);
    expect(trimmer.pending).toBe(false);
  });

  it("resumes an agent's session on the same leaf, never on another leaf's, and not after a ticket key rotation", async () => {
    const native = suite.native();
    const otherLeaf = issueLeaf({ ca, host: 'other.example.test' });
    const other = native.serverContext(otherLeaf);
    const serverA = track(await startAdoptingServer({ native, context: suite.bench().serverCtx }));
    const serverB = track(await startAdoptingServer({ native, context: other }));
    const dialWith = async (port: number, session?: Buffer) => {
      const socket = tlsConnect({ port, host: '127.0.0.1', servername: 'api.example.test', ca: ca.certPem, session,
        // The other leaf names another host: this client looks at resumption, not at the name.
        checkServerIdentity: () => undefined });
      const ticket = new Promise<Buffer>((resolve) => socket.once('session', resolve));
      await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
      return { socket, ticket };
    };
    const first = await dialWith(serverA.port);
    const ticket = await first.ticket;
    first.socket.destroy();
    const again = await dialWith(serverA.port, ticket);
    expect(again.socket.isSessionReused()).toBe(true);
    again.socket.destroy();
    const elsewhere = await dialWith(serverB.port, ticket);
    expect(elsewhere.socket.isSessionReused()).toBe(false);
    expect(elsewhere.socket.getPeerX509Certificate()?.subjectAltName).toContain('other.example.test');
    elsewhere.socket.destroy();
    native.freeContext(other);
    // New ticket keys: the old ticket no longer resumes, a ticket issued afterwards does.
    native.rotateTicketKeys();
    const rotated = await dialWith(serverA.port, ticket);
    expect(rotated.socket.isSessionReused()).toBe(false);
    const fresh = await rotated.ticket;
    rotated.socket.destroy();
    const resumed = await dialWith(serverA.port, fresh);
    expect(resumed.socket.isSessionReused()).toBe(true);
    resumed.socket.destroy();
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

  const otherCa = (context = suite.native().clientContext([createCa().certPem])) =>
    (suite.bench().cleanups.push(() => suite.native().freeContext(context)), { context });
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

describe('bad inputs and error messages', () => {
  it('rejects a garbage key without echoing the PEM, a mismatched key, and an empty trust set', async () => {
    const body = Buffer.from(`${MARK}${MARK}`).toString('base64');
    const garbageKey = [`-----BEGIN ${'PRIVATE'} KEY-----`, body, `-----END ${'PRIVATE'} KEY-----`, ''].join('\n');
    const error: unknown = await (async () => suite.native().serverContext({ certPem: leaf.certPem, keyPem: garbageKey }))().catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).not.toBe('');
    for (const leak of [body, 'BEGIN', MARK, leaf.certPem.slice(30, 60)]) expect(message).not.toContain(leak);
    expect(() => suite.native().serverContext({ certPem: leaf.certPem, keyPem: upstreamLeaf.keyPem })).toThrow(Error);
    expect(() => suite.native().serverContext({ certPem: 'not a certificate', keyPem: leaf.keyPem })).toThrow(Error);
    expect(() => suite.native().clientContext([])).toThrow(Error);
    expect(() => suite.native().clientContext(['not a certificate'])).toThrow(Error);
  });

  it('refuses to dial anything but an IP literal, or without a name to verify, or to adopt no descriptor', () => {
    const before = suite.native().counts().connections;
    const base = { port: 443, servername: 'upstream.test', verifyName: 'upstream.test', context: suite.bench().clientCtx, handlers: new Recorder().handlers };
    for (const address of ['localhost', 'upstream.test', '127.0.0.1.example', '']) expect(() => suite.native().connect({ ...base, address })).toThrow(Error);
    expect(() => suite.native().connect({ ...base, address: '127.0.0.1', verifyName: '' })).toThrow(Error);
    expect(() => suite.native().adopt({ fd: -1, context: suite.bench().serverCtx, head: null, handlers: base.handlers })).toThrow(Error);
    expect(suite.native().counts().connections).toBe(before);
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
