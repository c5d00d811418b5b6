import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { createCa, issueLeaf } from '../src/vault/ca/ca.js';

/**
 * The benchmark's "internet": an HTTPS server with its own CA and one leaf per host name,
 * counting how many requests carried the injected header value.
 * `/small` a short JSON body, `/sse?events=&gap=` server-sent events stamped with the monotonic
 * clock, `/large?bytes=` a streamed octet body.
 */

export interface UpstreamOptions {
  names: string[];
  headerName: string;
  value: string;
}

export interface UpstreamCounts {
  matched: number;
  missing: number;
  /** TLS connections accepted: a proxy that pools well opens few, one that churns pays handshakes on both sides. */
  connections: number;
}

export interface UpstreamServer {
  port: number;
  caPem: string;
  counts: UpstreamCounts;
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(256 * 1024, 0x61);
const SMALL = Buffer.from(JSON.stringify({ ok: true, data: 'x'.repeat(64) }));

function sendSmall(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': SMALL.length });
  res.end(SMALL);
}

/** Each event carries process.hrtime at its write: CLOCK_MONOTONIC, shared by all processes on Linux. */
function sendSse(res: ServerResponse, events: number, gapMs: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let i = 0;
  let timer: NodeJS.Timeout | undefined;
  const emit = (): void => {
    if (res.destroyed) return;
    res.write(`id: ${i}\ndata: ${process.hrtime.bigint()}\n\n`);
    if (++i >= events) res.end();
    else timer = setTimeout(emit, gapMs);
  };
  res.once('close', () => clearTimeout(timer));
  emit();
}

function sendLarge(res: ServerResponse, total: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
  let sent = 0;
  const pump = (): void => {
    while (sent < total && !res.destroyed) {
      const n = Math.min(CHUNK.length, total - sent);
      sent += n;
      if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

/** Starts the upstream on 127.0.0.1 with a fresh CA; `names[0]` is the default certificate. */
export async function startUpstream(o: UpstreamOptions): Promise<UpstreamServer> {
  const first = o.names[0];
  if (!first) throw new Error('the upstream needs at least one host name');
  const ca = createCa({ commonName: 'nanoclaw bench upstream CA' });
  const contexts = new Map<string, tls.SecureContext>();
  const leaves = new Map<string, { key: string; cert: string }>();
  for (const host of o.names) {
    const leaf = issueLeaf({ ca, host });
    leaves.set(host, { key: leaf.keyPem, cert: leaf.certPem });
    contexts.set(host, tls.createSecureContext({ key: leaf.keyPem, cert: leaf.certPem }));
  }
  const counts: UpstreamCounts = { matched: 0, missing: 0, connections: 0 };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.headers[o.headerName] === o.value) counts.matched++;
    else counts.missing++;
    const url = new URL(req.url ?? '/', 'https://upstream.invalid');
    const num = (k: string, d: number): number => Number(url.searchParams.get(k) ?? d);
    req.resume();
    if (url.pathname === '/sse') sendSse(res, num('events', 10), num('gap', 20));
    else if (url.pathname === '/large') sendLarge(res, num('bytes', 1 << 20));
    else sendSmall(res);
  };
  const server = https.createServer(
    {
      ...leaves.get(first),
      SNICallback: (name, cb) => cb(null, contexts.get(name) ?? contexts.get(first)),
      // Proxies keep pooled upstream connections and the idle case keeps 1000 open.
      keepAliveTimeout: 600_000,
      requestTimeout: 0,
    },
    handler,
  );
  server.on('secureConnection', () => {
    counts.connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    caPem: ca.certPem,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
