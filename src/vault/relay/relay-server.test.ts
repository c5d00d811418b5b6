import { createHash, randomBytes } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns';
import { connect, createServer, type AddressInfo, type LookupFunction, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../../common/logger.js';
import { startRelay, type RelayOptions, type StartedRelay } from './relay-server.js';

const LOOPBACK = '127.0.0.1';
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A target server; `onSocket` decides what it does with each connection. */
async function target(onSocket: (s: Socket) => void): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.push(s);
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, LOOPBACK, r));
  cleanup.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

async function relayTo(port: number, extra: Partial<RelayOptions> = {}): Promise<{ relay: StartedRelay; logs: string[] }> {
  const sink = memorySink();
  const relay = await startRelay({
    listen: { host: LOOPBACK, port: 0 },
    target: { host: LOOPBACK, port },
    health: { host: LOOPBACK, port: 0 },
    logger: new Logger({ level: 'debug', sink }),
    ...extra,
  });
  cleanup.push(() => relay.close({ graceMs: 0 }));
  return { relay, logs: sink.lines };
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: LOOPBACK, port, allowHalfOpen: true }, () => resolve(s));
    s.once('error', reject);
    cleanup.push(() => s.destroy());
  });
}

function readAll(s: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve, reject) => {
    s.once('end', () => {
      s.end(); // as a client does once it has the whole answer
      resolve(Buffer.concat(chunks));
    });
    s.once('error', reject);
  });
}

describe('startRelay', () => {
  it('pipes bytes both ways to its one target, untouched, whatever the client asks for', async () => {
    const seen: Buffer[] = [];
    // The target answers only after the client has finished sending: the half-close must pass.
    const t = await target((s) => {
      s.on('data', (c: Buffer) => seen.push(c));
      s.on('end', () => s.end(Buffer.concat([Buffer.from('got:'), ...seen])));
    });
    const { relay } = await relayTo(t.port);
    const client = await dial(relay.port);
    const request = 'CONNECT elsewhere.example:443 HTTP/1.1\r\nHost: elsewhere.example:443\r\n\r\n';
    client.end(request);
    expect((await readAll(client)).toString()).toBe(`got:${request}`);
    expect(t.sockets).toHaveLength(1);
    await sleep(50);
    expect(relay.stats()).toEqual({ active: 0, total: 1, failed: 0 });
  });

  it('holds back a fast sender while the target does not read (backpressure), then delivers every byte', async () => {
    const received = createHash('sha256');
    let receivedBytes = 0;
    let paused!: Socket;
    const finished = new Promise<void>((resolve) => {
      void target((s) => {
        paused = s;
        s.pause();
        s.on('data', (c: Buffer) => {
          received.update(c);
          receivedBytes += c.length;
        });
        s.on('end', () => {
          s.end();
          resolve();
        });
      }).then(async (t) => {
        const { relay } = await relayTo(t.port);
        client = await dial(relay.port);
        ready();
      });
    });
    let client!: Socket;
    let ready!: () => void;
    await new Promise<void>((r) => (ready = r));
    const total = 96 * 1024 * 1024;
    const chunk = randomBytes(1024 * 1024);
    const sent = createHash('sha256');
    let written = 0;
    let stalled = false;
    // Write as fast as the relay lets us; stop when it stops draining our buffer.
    while (written < total) {
      sent.update(chunk);
      written += chunk.length;
      if (!client.write(chunk)) {
        const drained = await Promise.race([new Promise((r) => client.once('drain', () => r(true))), sleep(1_000).then(() => false)]);
        if (!drained) {
          stalled = true;
          break;
        }
      }
    }
    expect(stalled).toBe(true);
    // What left our process sits in kernel buffers and the relay's small stream buffers, not in an unbounded queue.
    expect(client.bytesWritten).toBeLessThan(48 * 1024 * 1024);
    paused.resume();
    await new Promise((r) => client.once('drain', r));
    while (written < total) {
      sent.update(chunk);
      written += chunk.length;
      if (!client.write(chunk)) await new Promise((r) => client.once('drain', r));
    }
    client.end();
    await finished;
    expect(receivedBytes).toBe(total);
    expect(received.digest('hex')).toBe(sent.digest('hex'));
  }, 60_000);

  it('answers 502 (JSON, no retry) when the target cannot be reached, counts it, and logs no payload', async () => {
    // Port 1 (tcpmux): nothing listens there. A port freed by closing a server of the test's own
    // could be taken by a parallel test before the relay dials it, which answers differently.
    const { relay, logs } = await relayTo(1);
    const client = await dial(relay.port);
    const marker = `payload-${randomBytes(8).toString('hex')}`;
    client.write(`CONNECT api.github.test:443 HTTP/1.1\r\nProxy-Authorization: Basic ${marker}\r\n\r\n`);
    const answer = (await readAll(client)).toString();
    expect(answer).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(answer).toContain('x-should-retry: false');
    expect(JSON.parse(answer.split('\r\n\r\n')[1] ?? '')).toMatchObject({ error: 'bad_gateway' });
    await sleep(50);
    expect(relay.stats()).toMatchObject({ total: 1, failed: 1, active: 0 });
    expect(logs.some((l) => l.includes('Cannot reach the remote gateway') && l.includes('ECONNREFUSED'))).toBe(true);
    expect(logs.join('\n')).not.toContain(marker);
  });

  it('resolves the target name anew for every connection', async () => {
    const t = await target((s) => s.end('hi'));
    let lookups = 0;
    const lookup: LookupFunction = (host, options, callback) => {
      lookups++;
      dnsLookup(host, options, callback);
    };
    const { relay } = await relayTo(t.port, { target: { host: 'localhost', port: t.port }, lookup });
    for (let i = 0; i < 3; i++) expect((await readAll(await dial(relay.port))).toString()).toBe('hi');
    expect(lookups).toBe(3);
  });

  it('answers its health check with the counts, and 404 elsewhere', async () => {
    const t = await target((s) => s.end());
    const { relay } = await relayTo(t.port);
    await readAll(await dial(relay.port));
    await sleep(50);
    const res = await fetch(`http://${LOOPBACK}:${relay.healthPort}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', role: 'relay', target: `${LOOPBACK}:${t.port}`, active: 0, total: 1, failed: 0 });
    expect((await fetch(`http://${LOOPBACK}:${relay.healthPort}/other`)).status).toBe(404);
  });

  it('on close stops accepting, cuts open connections after the grace period, and resolves', async () => {
    const t = await target(() => undefined); // holds connections open
    const { relay, logs } = await relayTo(t.port);
    const client = await dial(relay.port);
    const ended = new Promise((r) => client.once('end', r));
    await sleep(50);
    expect(relay.stats().active).toBe(1);
    const started = Date.now();
    await relay.close({ graceMs: 200 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await ended;
    await expect(dial(relay.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(fetch(`http://${LOOPBACK}:${relay.healthPort}/health`)).rejects.toThrow();
    expect(logs.some((l) => l.includes('Stopped relay') && l.includes('total=1'))).toBe(true);
  });
});
