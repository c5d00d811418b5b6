import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type LookupFunction, type Server, type Socket } from 'node:net';
import type { Logger } from '../../common/logger.js';
import { formatHostPort, type HostPort } from './relay-target.js';

export interface RelayOptions {
  /** Where agents connect (in the relay container: 0.0.0.0:10255). Port 0 picks a free one. */
  listen: HostPort;
  /** The one remote gateway every connection goes to; resolved anew for each connection. */
  target: HostPort;
  /** A small HTTP listener answering `GET /health` (keep it on loopback); null: none. */
  health: HostPort | null;
  logger: Logger;
  /** How long dialling the target may take before the client is told 502 (default 10 s). */
  connectTimeoutMs?: number;
  /** Open connections at most; Node closes any beyond it at once (default 1024). */
  maxConnections?: number;
  /** Name lookup for the target (default dns.lookup, called once per connection so a moved gateway is followed). */
  lookup?: LookupFunction;
}

export interface RelayStats {
  /** Connections open now. */
  active: number;
  /** Connections accepted since start. */
  total: number;
  /** Connections whose target could not be reached. */
  failed: number;
}

export interface StartedRelay extends AsyncDisposable {
  port: number;
  healthPort: number | null;
  stats(): RelayStats;
  /** Stops accepting, lets open connections finish for `graceMs` (default 2 s), then cuts the rest. */
  close(options?: { graceMs?: number }): Promise<void>;
}

const KEEPALIVE_MS = 30_000;

// The relay never speaks HTTP on the data path, except to say why it had nothing to forward to:
// by then the agent has only sent its proxy request, so a 502 is a well-formed answer to it.
function badGateway(target: string): string {
  const body = JSON.stringify({ error: 'bad_gateway', message: `The relay cannot reach the remote gateway ${target}` });
  return `HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json\r\nx-should-retry: false\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

function listen(server: Server | HttpServer, at: HostPort): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * A TCP relay to exactly one address: every accepted connection is piped, bytes untouched and
 * with backpressure both ways, to `target`. It reads nothing of the payload and logs only counts.
 */
export async function startRelay(options: RelayOptions): Promise<StartedRelay> {
  const { logger } = options;
  const target = formatHostPort(options.target);
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const stats: RelayStats = { active: 0, total: 0, failed: 0 };
  const open = new Set<Socket>();

  const relay = (client: Socket) => {
    stats.total++;
    stats.active++;
    open.add(client);
    let answered = false;
    // allowHalfOpen: a client that finishes sending still gets the whole answer.
    const upstream = connect({ host: options.target.host, port: options.target.port, allowHalfOpen: true, ...(options.lookup ? { lookup: options.lookup } : {}) });
    open.add(upstream);
    upstream.setTimeout(connectTimeoutMs, () => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })));
    upstream.once('connect', () => {
      upstream.setTimeout(0);
      upstream.setKeepAlive(true, KEEPALIVE_MS);
      upstream.setNoDelay(true);
    });
    upstream.once('data', () => (answered = true));
    client.setKeepAlive(true, KEEPALIVE_MS);
    client.setNoDelay(true);
    client.pipe(upstream);
    upstream.pipe(client);
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (answered || client.destroyed) return client.destroy();
      stats.failed++;
      logger.warn('Cannot reach the remote gateway', { target, error: err.code ?? err.message, failed: stats.failed });
      client.unpipe(upstream);
      client.end(badGateway(target));
      client.resume(); // drain what the agent still sends, so the 502 is not lost to a reset
      client.setTimeout(5_000, () => client.destroy());
    });
    client.on('error', () => upstream.destroy());
    let closed = 0;
    const done = () => {
      if (++closed < 2) return;
      stats.active--;
      logger.debug('Relay connection closed', { active: stats.active, total: stats.total });
    };
    client.once('close', () => {
      open.delete(client);
      upstream.destroy();
      done();
    });
    upstream.once('close', () => {
      open.delete(upstream);
      if (!client.writableEnded) client.end();
      done();
    });
  };

  const server = createServer({ allowHalfOpen: true }, relay);
  server.maxConnections = options.maxConnections ?? 1024;
  const port = await listen(server, options.listen);
  let health: HttpServer | null = null;
  let healthPort: number | null = null;
  if (options.health) {
    health = createHttpServer((req, res) => {
      const ok = req.method === 'GET' && (req.url === '/health' || req.url === '/api/health');
      res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { status: 'ok', role: 'relay', target, ...stats } : { error: 'not_found' }));
    });
    try {
      healthPort = await listen(health, options.health);
    } catch (err) {
      server.close();
      throw err;
    }
  }
  logger.info('Started relay', { listen: formatHostPort({ host: options.listen.host, port }), target, health: healthPort ?? 'off' });

  let closing: Promise<void> | undefined;
  const close = (closeOptions: { graceMs?: number } = {}): Promise<void> => {
    closing ??= (async () => {
      logger.info('Stopping relay…', { active: stats.active, total: stats.total });
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      health?.close();
      health?.closeAllConnections();
      const grace = setTimeout(() => {
        for (const socket of open) socket.destroy();
      }, closeOptions.graceMs ?? 2_000);
      await stopped;
      clearTimeout(grace);
      logger.info('Stopped relay', { total: stats.total, failed: stats.failed });
    })();
    return closing;
  };
  return { port, healthPort, stats: () => ({ ...stats }), close, [Symbol.asyncDispose]: () => close() };
}
