import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { createCa, issueLeaf } from '../src/vault/ca/ca.js';
import { serveParent } from './ipc.js';

/**
 * The benchmark's "internet": an HTTPS server with its own CA and one leaf per host name,
 * counting how many requests carried the injected header value. Run as a child process so its
 * CPU is not the gateway's nor the load generator's.
 */

export interface UpstreamStart {
  names: string[];
  headerName: string;
  value: string;
}

export interface UpstreamReady {
  port: number;
  caPem: string;
}

export interface UpstreamCounts {
  matched: number;
  missing: number;
}

const CHUNK = Buffer.alloc(256 * 1024, 0x61);
const SMALL = Buffer.from(JSON.stringify({ ok: true, data: 'x'.repeat(64) }));

function sendSmall(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': SMALL.length });
  res.end(SMALL);
}

/** Events carry the monotonic clock (shared by every process on Linux) at the moment of writing. */
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

function main(): void {
  let server: https.Server | undefined;
  const counts: UpstreamCounts = { matched: 0, missing: 0 };
  serveParent(
    {
      async start(payload): Promise<UpstreamReady> {
        const { names, headerName, value } = payload as UpstreamStart;
        const ca = createCa({ commonName: 'nanoclaw bench upstream CA' });
        const contexts = new Map<string, tls.SecureContext>();
        for (const host of names) {
          const leaf = issueLeaf({ ca, host });
          contexts.set(host, tls.createSecureContext({ key: leaf.keyPem, cert: leaf.certPem }));
        }
        const first = names[0];
        if (!first) throw new Error('upstream needs at least one host name');
        const handler = (req: IncomingMessage, res: ServerResponse): void => {
          if (req.headers[headerName] === value) counts.matched++;
          else counts.missing++;
          const url = new URL(req.url ?? '/', 'https://upstream.invalid');
          const num = (k: string, d: number): number => Number(url.searchParams.get(k) ?? d);
          req.resume();
          if (url.pathname === '/sse') sendSse(res, num('events', 10), num('gap', 20));
          else if (url.pathname === '/large') sendLarge(res, num('bytes', 1 << 20));
          else sendSmall(res);
        };
        const s = https.createServer(
          {
            SNICallback: (name, cb) => cb(null, contexts.get(name) ?? contexts.get(first)),
            keepAliveTimeout: 600_000,
            requestTimeout: 0,
            ...leafFor(ca, first),
          },
          handler,
        );
        server = s;
        await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
        return { port: (s.address() as AddressInfo).port, caPem: ca.certPem };
      },
      counts: (): UpstreamCounts => ({ ...counts }),
      reset(): void {
        counts.matched = 0;
        counts.missing = 0;
      },
    },
    async () => {
      server?.closeAllConnections();
      server?.close();
    },
  );
}

function leafFor(ca: ReturnType<typeof createCa>, host: string): { key: string; cert: string } {
  const leaf = issueLeaf({ ca, host });
  return { key: leaf.keyPem, cert: leaf.certPem };
}

main();
