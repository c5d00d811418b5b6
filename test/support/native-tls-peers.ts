import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { createServer as createNetServer, connect as netConnect, type AddressInfo, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { NativeTls, NativeTlsConnection, TlsHandlers } from '../../src/vault/gateway/native-tls/native-tls.js';

// Peers for the native TLS transport's integration test: Node's own TLS on 127.0.0.1, and the
// gateway's way of handing an accepted socket to the addon.

type Kind = keyof TlsHandlers;

/** Every error message any Recorder saw, so a test can check that none leaks payload bytes. */
export const allErrorMessages: string[] = [];

/** Handlers that record what a native connection reported; `on` adds behaviour after recording. */
export class Recorder {
  readonly events: Kind[] = [];
  readonly chunks: Buffer[] = [];
  readonly errors: string[] = [];
  /** Off for bulk transfers, which hash chunks in `on.data` instead of keeping them. */
  keepData = true;
  on: Partial<TlsHandlers> = {};
  readonly handlers: TlsHandlers = {
    secure: () => (this.events.push('secure'), this.on.secure?.()),
    data: (chunk) => (this.events.push('data'), this.keepData && this.chunks.push(chunk), this.on.data?.(chunk)),
    end: () => (this.events.push('end'), this.on.end?.()),
    error: (message) => (this.events.push('error'), this.errors.push(message), allErrorMessages.push(message), this.on.error?.(message)),
    drain: () => (this.events.push('drain'), this.on.drain?.()),
    piped: (bytes) => (this.events.push('piped'), this.on.piped?.(bytes)),
  };

  has(kind: Kind): boolean {
    return this.events.includes(kind);
  }

  received(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Resolves once `check()` holds; polls, so it works for native events and socket state alike. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const openDescriptors = () => readdirSync('/proc/self/fd').length;

/** What the gateway does with an accepted socket: the addon takes a duplicate of its descriptor, Node's is dropped. */
export function adoptSocket(o: { native: NativeTls; socket: Socket; context: number; head: Buffer | null; handlers: TlsHandlers }): NativeTlsConnection {
  const fd = (o.socket as unknown as { _handle: { fd: number } })._handle.fd;
  const connection = o.native.adopt({ fd, context: o.context, head: o.head, handlers: o.handlers });
  o.socket.destroy();
  return connection;
}

/** A TCP server whose every connection becomes a native TLS server connection (after reading a first chunk as `head` when asked). */
export async function startAdoptingServer(o: { native: NativeTls; context: number; readHead?: boolean }) {
  const accepted: { connection: NativeTlsConnection; log: Recorder; head: Buffer | null }[] = [];
  const adopt = (socket: Socket, head: Buffer | null) => {
    const log = new Recorder();
    accepted.push({ connection: adoptSocket({ native: o.native, socket, context: o.context, head, handlers: log.handlers }), log, head });
  };
  const server = createNetServer({ pauseOnConnect: true }, (socket) => {
    if (!o.readHead) return adopt(socket, null);
    socket.once('data', (chunk: Buffer) => (socket.pause(), adopt(socket, chunk)));
    socket.resume();
  });
  const port = await listen(server);
  const close = () => (accepted.forEach((a) => a.connection.destroy()), new Promise<void>((r) => server.close(() => r())));
  return { port, accepted, close };
}

export interface NodeClient {
  socket: TLSSocket;
  /** The TCP socket under it: writing here bypasses TLS, `end()` sends a FIN without close_notify. */
  raw: Socket;
  chunks: Buffer[];
  ended: boolean;
  closed: boolean;
}

/** A Node TLS client on 127.0.0.1:port, resolved once its handshake is done. */
export async function connectNodeClient(o: {
  port: number;
  ca: string;
  servername: string;
  alpn?: string[];
  allowHalfOpen?: boolean;
  /** Default true; off for bulk transfers, which attach their own 'data' listener. */
  keepData?: boolean;
  /** Sends the first TLS write (the ClientHello) as two TCP writes split here, 50 ms apart. */
  splitFirstWriteAt?: number;
}): Promise<NodeClient> {
  // A wrapped socket's allowHalfOpen is what the TLS socket gets, so it is set here.
  const raw = netConnect({ port: o.port, host: '127.0.0.1', allowHalfOpen: o.allowHalfOpen });
  const transport = o.splitFirstWriteAt === undefined ? raw : splitFirstWrite(raw, o.splitFirstWriteAt);
  const socket = tlsConnect({ socket: transport, ca: [o.ca], servername: o.servername, ALPNProtocols: o.alpn });
  const client: NodeClient = { socket, raw, chunks: [], ended: false, closed: false };
  if (o.keepData !== false) socket.on('data', (c: Buffer) => client.chunks.push(c));
  socket.on('end', () => (client.ended = true));
  socket.on('close', () => (client.closed = true));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => (socket.destroy(), reject(new Error('the Node client handshake did not finish in 10 s'))), 10_000);
    socket.once('secureConnect', () => (clearTimeout(timer), resolve()));
    socket.once('error', (err) => (clearTimeout(timer), reject(err)));
  });
  socket.on('error', () => {}); // resets the tests cause on purpose
  return client;
}

function splitFirstWrite(raw: Socket, at: number): Duplex {
  raw.setNoDelay(true);
  let first = true;
  const duplex = new Duplex({
    read: () => void raw.resume(),
    write(chunk: Buffer, _encoding, done) {
      if (!first) return void raw.write(chunk, done);
      first = false;
      raw.write(chunk.subarray(0, at));
      setTimeout(() => raw.write(chunk.subarray(at), done), 50);
    },
    final: (done) => void raw.end(done),
    destroy: (err, done) => (raw.destroy(), done(err)),
  });
  raw.on('data', (c: Buffer) => void (duplex.push(c) || raw.pause()));
  raw.on('end', () => duplex.push(null));
  raw.on('error', (err) => duplex.destroy(err));
  return duplex;
}

export interface NodeTlsServer {
  port: number;
  /** Sockets that completed a handshake, in order, with what each received and the SNI it carried ('' for none). */
  sockets: TLSSocket[];
  received: Buffer[][];
  servernames: string[];
  clientErrors: Error[];
  /** TCP connections the server still holds. */
  openSockets(): number;
  close(): Promise<void>;
}

/** A Node TLS server (ALPN http/1.1) for `certPem`/`keyPem`; `onSecure` may answer. */
export async function startNodeTlsServer(o: { certPem: string; keyPem: string; onSecure?: (s: TLSSocket) => void }): Promise<NodeTlsServer> {
  const result = { sockets: [] as TLSSocket[], received: [] as Buffer[][], servernames: [] as string[], clientErrors: [] as Error[] };
  const raw = new Set<Socket>();
  const server = createTlsServer({ cert: o.certPem, key: o.keyPem, ALPNProtocols: ['http/1.1'] }, (s) => {
    const chunks: Buffer[] = [];
    result.sockets.push(s);
    result.received.push(chunks);
    result.servernames.push(s.servername || '');
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => {});
    o.onSecure?.(s);
  });
  server.on('connection', (s: Socket) => (raw.add(s), s.on('close', () => raw.delete(s))));
  server.on('tlsClientError', (err) => result.clientErrors.push(err));
  const port = await listen(server);
  const close = () => (raw.forEach((s) => s.destroy()), new Promise<void>((r) => server.close(() => r())));
  return { port, ...result, openSockets: () => raw.size, close };
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on (freshly closed). */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  const port = await listen(server);
  await new Promise((r) => server.close(r));
  return port;
}

/** What the tests share: the addon, a server context for `leafHost`, a client context trusting `caPem`, and what to close afterwards. */
export interface Bench {
  native: NativeTls;
  serverCtx: number;
  clientCtx: number;
  caPem: string;
  leafHost: string;
  cleanups: (() => unknown)[];
}

/** An adopting server and one Node client through its handshake, with the adopted side secure. */
export async function adoptedPair(b: Bench, o: { readHead?: boolean; allowHalfOpen?: boolean; keepData?: boolean; alpn?: string[]; splitFirstWriteAt?: number } = {}) {
  const server = await startAdoptingServer({ native: b.native, context: b.serverCtx, readHead: o.readHead });
  b.cleanups.push(() => server.close());
  const client = await connectNodeClient({ port: server.port, ca: b.caPem, servername: b.leafHost, ...o });
  b.cleanups.push(() => client.socket.destroy());
  await until(() => server.accepted[0]?.log.has('secure') ?? false, 'the adopted side to be secure');
  return { server, client, ...server.accepted[0]! };
}

/** A native client connection to 127.0.0.1:port. */
export function connectTo(b: Bench, port: number, o: { servername: string; verifyName: string; context?: number }) {
  const log = new Recorder();
  const connection = b.native.connect({ address: '127.0.0.1', port, ...o, context: o.context ?? b.clientCtx, handlers: log.handlers });
  b.cleanups.push(() => connection.destroy());
  return { connection, log };
}

/** 1 KiB-periodic bytes stamped with their offset, so a lost, repeated or reordered chunk changes the hash. */
export function patternChunk(offset: number, size: number): Buffer {
  const chunk = Buffer.alloc(size, offset % 251);
  for (let i = 0; i < size; i += 1024) chunk.writeUInt32BE((offset + i) >>> 0, i);
  return chunk;
}

/** Bytes handed over and bytes arrived, with running hashes of each. */
const newTransfer = () => ({ sent: 0, sentHash: createHash('sha256'), received: 0, receivedHash: createHash('sha256') });

/**
 * Streams `total` bytes each way at once. The native side writes while write() says true and
 * resumes on drain, then ends; the Node client honours its own backpressure, then ends. The
 * caller decides when the Node client reads (it starts paused).
 */
export function transferBothWays(o: { connection: NativeTlsConnection; log: Recorder; client: NodeClient; total: number }) {
  const CHUNK = 64 * 1024;
  const toClient = { ...newTransfer(), falses: 0, drains: 0 };
  const toNative = newTransfer();
  const pump = () => {
    while (toClient.sent < o.total) {
      const chunk = patternChunk(toClient.sent, CHUNK);
      toClient.sentHash.update(chunk);
      toClient.sent += chunk.length;
      if (!o.connection.write(chunk)) return void toClient.falses++;
    }
    o.connection.end();
  };
  o.log.keepData = false;
  o.log.on.drain = () => (toClient.drains++, pump());
  o.log.on.data = (c) => (toNative.received += c.length, toNative.receivedHash.update(c));
  o.client.socket.pause();
  o.client.socket.on('data', (c: Buffer) => (toClient.received += c.length, toClient.receivedHash.update(c)));
  const clientWrites = (async () => {
    for (; toNative.sent < o.total; toNative.sent += CHUNK) {
      const chunk = patternChunk(toNative.sent + 1, CHUNK);
      toNative.sentHash.update(chunk);
      if (!o.client.socket.write(chunk)) await once(o.client.socket, 'drain');
    }
    o.client.socket.end();
  })();
  pump();
  return { toClient, toNative, clientWrites };
}

/** `gc`, when it can be had (vitest does not start its workers with --expose-gc). */
export function exposeGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return (globalThis as { gc?: () => void }).gc ?? (runInNewContext('gc') as () => void);
  } catch {
    return undefined;
  }
}

// A worker thread of a child process: loads the raw addon, optionally dials a listening socket
// (that connection stays open), then the parent terminates it.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const binding = require(workerData.addon);
binding.init(() => {});
const ctx = binding.clientContext([workerData.ca]);
const server = require('node:net').createServer(() => {}).listen(0, '127.0.0.1', () => {
  if (workerData.open) binding.connect('127.0.0.1', server.address().port, 'a.test', 'a.test', ctx);
  parentPort.postMessage('ready');
});`;

const PARENT = `
const { Worker } = require('node:worker_threads');
const worker = new Worker(process.env.WORKER_SOURCE, { eval: true, workerData: JSON.parse(process.env.WORKER_DATA) });
worker.once('message', async () => console.log('terminated', await worker.terminate()));`;

/** Starts and terminates a worker thread that used the addon, in a child process so that a crash stays contained. */
export async function terminateWorkerThatUsedAddon(o: { ca: string; openConnection: boolean }) {
  const addon = fileURLToPath(new URL('../../dist/native/tls_transport.node', import.meta.url));
  const env = { ...process.env, WORKER_SOURCE: WORKER, WORKER_DATA: JSON.stringify({ addon, ca: o.ca, open: o.openConnection }) };
  const child = spawn(process.execPath, ['-e', PARENT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { code, signal, output };
}
