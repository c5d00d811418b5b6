import http from 'node:http';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

/**
 * The load generator's client: HTTP/1.1 over TLS sockets that a `Dial` opens either straight
 * to the upstream or through a proxy's CONNECT, kept alive by a stock `http.Agent`.
 */

/** Opens a TLS connection to `host` (verified against the CA the caller trusts), ready for HTTP/1.1. */
export type Dial = (host: string) => Promise<tls.TLSSocket>;

function secure(options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ ...options, ALPNProtocols: ['http/1.1'] });
    socket.once('secureConnect', () => {
      socket.removeListener('error', reject);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Straight to the upstream: the baseline every proxy is compared with. */
export function directDial(o: { port: number; ca: string }): Dial {
  return (host) => secure({ host: '127.0.0.1', port: o.port, servername: host, ca: o.ca });
}

/** CONNECT through a proxy, then TLS to `host` trusting the proxy's CA (it terminates TLS). */
export function proxyDial(o: { proxyPort: number; targetPort: number; ca: string; proxyAuthorization?: string }): Dial {
  return (host) =>
    new Promise((resolve, reject) => {
      const authority = `${host}:${o.targetPort}`;
      const req = http.request({
        host: '127.0.0.1',
        port: o.proxyPort,
        method: 'CONNECT',
        path: authority,
        headers: { host: authority, ...(o.proxyAuthorization ? { 'proxy-authorization': o.proxyAuthorization } : {}) },
        agent: false,
      });
      req.once('connect', (res, socket, head: Buffer) => {
        if (res.statusCode !== 200) {
          socket.destroy();
          reject(new Error(`CONNECT ${authority} answered ${res.statusCode}`));
          return;
        }
        socket.setNoDelay(true);
        if (head.length > 0) socket.unshift(head);
        secure({ socket, servername: host, ca: o.ca }).then(resolve, reject);
      });
      req.once('error', reject);
      req.end();
    });
}

/** A keep-alive agent whose every new connection comes from `dial` (asynchronous createConnection). */
export class DialAgent extends http.Agent {
  private readonly open: () => Promise<Duplex>;

  constructor(open: () => Promise<Duplex>, options: http.AgentOptions = {}) {
    super({ keepAlive: true, scheduling: 'lifo', ...options });
    this.open = open;
  }

  override createConnection(_options: unknown, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    this.open().then(
      (socket) => callback?.(null, socket),
      (err: Error) => callback?.(err, undefined as never),
    );
    return undefined;
  }
}

export interface Target {
  host: string;
  port: number;
  /** Sent with every request: the direct baseline sends the value itself, proxies inject it. */
  headers: Readonly<Record<string, string>>;
}

export interface GetOptions {
  target: Target;
  path: string;
  agent?: http.Agent;
  /** A connection already open (new-connection case); the request then closes it. */
  socket?: Duplex;
  onData?: (chunk: Buffer) => void;
  /** Stop reading at this `performance.now()` time (large bodies); the result is then `truncated`. */
  deadline?: number;
}

export interface GetResult {
  status: number;
  bytes: number;
  truncated: boolean;
}

/** One GET; resolves when the whole response has been read (or the deadline cut it short). */
export function get(o: GetOptions): Promise<GetResult> {
  return new Promise((resolve, reject) => {
    const { target } = o;
    const socket = o.socket;
    const req = http.request({
      host: target.host,
      port: target.port,
      path: o.path,
      headers: { host: `${target.host}:${target.port}`, ...target.headers },
      ...(socket ? { createConnection: () => socket } : { agent: o.agent }),
    });
    req.once('error', reject);
    req.once('response', (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        o.onData?.(chunk);
        if (o.deadline !== undefined && performance.now() > o.deadline) {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, bytes, truncated: true });
        }
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, bytes, truncated: false }));
      res.once('error', reject);
    });
    req.end();
  });
}
