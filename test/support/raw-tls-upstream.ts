import tls from 'node:tls';
import type { TestCertificates } from './tls-certs.js';

/** A request head as the raw upstream read it (requests carry no body). */
export interface RawRequest {
  method: string;
  target: string;
  /** Lower-case names; values as latin1 text of their bytes. */
  headers: Record<string, string>;
}

/** What the answer does with the connection: keep it for the next request, or close it. */
export type RawAnswer = (req: RawRequest, socket: tls.TLSSocket) => Promise<'keep' | 'close'>;

/**
 * A TLS server that answers with bytes a test writes itself (any status line, framing, split),
 * which an HTTP server library would not let it send. Keeps connections alive when told so.
 */
export async function startRawTlsUpstream(o: { certs: TestCertificates; port: number; answer: RawAnswer }): Promise<AsyncDisposable & { close(): Promise<void> }> {
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer({ cert: o.certs.certPem, key: o.certs.keyPem, ALPNProtocols: ['http/1.1'] }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    let busy = false;
    const next = async (): Promise<void> => {
      const end = pending.indexOf('\r\n\r\n');
      if (busy || end < 0) return;
      busy = true;
      const lines = pending.subarray(0, end).toString('latin1').split('\r\n');
      pending = pending.subarray(end + 4);
      const [method = '', target = ''] = (lines[0] ?? '').split(' ');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const after = await o.answer({ method, target, headers }, socket).catch(() => 'close' as const);
      busy = false;
      if (after === 'close') socket.end();
      else void next();
    };
    socket.on('data', (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      void next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return { close, [Symbol.asyncDispose]: close };
}
