import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import type { TLSSocket } from 'node:tls';
import type { RecordedRequest } from './recorded-request.js';
import { makeTestCertificates, type TestCertificates } from './tls-certs.js';

export type { RecordedRequest } from './recorded-request.js';
export { runTlsUpstreamContainer } from './tls-upstream-container.js';
export type { TlsUpstreamContainer, TlsUpstreamContainerOptions } from './tls-upstream-container.js';

/** Answers a request; the body has already been read and is in `recorded.body`. */
export type UpstreamHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  recorded: RecordedRequest,
) => void | Promise<void>;

export interface TlsUpstreamOptions {
  /** Extra names the certificate is valid for (localhost and 127.0.0.1 always are). */
  hostnames?: string[];
  handler?: UpstreamHandler;
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1; use 0.0.0.0 to let containers reach it. */
  host?: string;
}

export interface TlsUpstream extends AsyncDisposable {
  /** `https://127.0.0.1:<port>` (or the given host). */
  url: string;
  port: number;
  caPem: string;
  /** Path of the CA PEM, e.g. for NANOCLAW_EXTRA_CA_CERTS or curl --cacert. */
  caFile: string;
  certs: TestCertificates;
  /** Every request seen so far, in arrival order. */
  requests: RecordedRequest[];
  /** `https://<hostname>:<port><path>` for a name the certificate covers. */
  urlFor(hostname: string, path?: string): string;
  close(): Promise<void>;
}

/** Default answer: `{"ok":true,"path":<request target>}`. */
export const echoPathHandler: UpstreamHandler = (req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true, path: req.url }));
};

/**
 * Starts an HTTPS server (HTTP/1.1, keep-alive) with its own fresh test CA that records
 * every request it receives, so a test can assert on what the upstream really got.
 */
export async function startTlsUpstream(options: TlsUpstreamOptions = {}): Promise<TlsUpstream> {
  const { handler = echoPathHandler, port = 0, host = '127.0.0.1' } = options;
  const certs = await makeTestCertificates({ hostnames: options.hostnames ?? [] });
  const requests: RecordedRequest[] = [];
  let connections = 0;
  const connectionIds = new WeakMap<object, number>();
  const server = createServer(
    { cert: certs.certPem, key: certs.keyPem, ALPNProtocols: ['http/1.1'] },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const socket = req.socket as TLSSocket;
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          httpVersion: req.httpVersion,
          headers: req.headers,
          rawHeaders: req.rawHeaders,
          body: Buffer.concat(chunks),
          servername: typeof socket.servername === 'string' ? socket.servername : undefined,
          connection: connectionIds.get(socket) ?? 0,
          receivedAt: Date.now(),
        };
        requests.push(recorded);
        Promise.resolve()
          .then(() => handler(req, res, recorded))
          .catch((err: unknown) => {
            if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(`test upstream handler failed: ${String(err)}`);
          });
      });
    },
  );
  server.on('secureConnection', (socket) => connectionIds.set(socket, ++connections));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }).then(() => rm(certs.dir, { recursive: true, force: true }));
    return closed;
  };
  return {
    url: `https://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${bound}`,
    port: bound,
    caPem: certs.caPem,
    caFile: certs.caFile,
    certs,
    requests,
    urlFor: (hostname, path = '/') => `https://${hostname}:${bound}${path}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}
