import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import { nodeHttp } from '../common/node-http.js';
import { dockerConnectionOptions, dockerUnavailable, type ConnectDockerOptions, type DockerConnection } from './docker-connection.js';

/** A non-2xx answer of the engine, with its status (404: no such object, 409: conflict). */
export class EngineError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.name = 'EngineError';
    this.statusCode = statusCode;
  }
}

export interface EngineCall {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
}

const TRANSPORT_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ETIMEDOUT']);

/**
 * The Docker Engine API over plain node:http, for the launch path: loading dockerode costs more
 * CPU (ssh2, gRPC for BuildKit sessions) than a whole launch may take. The other commands keep
 * dockerode. Connection failures become `docker_unavailable`; engine answers >= 400 EngineError.
 */
export class EngineApi {
  private readonly connection: DockerConnection;

  constructor(connection: DockerConnection) {
    this.connection = connection;
  }

  static fromEnv(options: ConnectDockerOptions = {}): EngineApi {
    return new EngineApi(dockerConnectionOptions(options));
  }

  /** One JSON call; resolves to the parsed body (undefined when empty). */
  async json<T>(method: string, path: string, call: EngineCall = {}): Promise<T> {
    const res = await this.send(method, path, call);
    const text = await readAll(res);
    const status = res.statusCode ?? 0;
    const parsed = text ? parseJson(text) : undefined;
    if (status >= 400) {
      const message = (parsed as { message?: string } | undefined)?.message ?? (text.trim() || `HTTP ${status}`);
      throw new EngineError(status, message);
    }
    return parsed as T;
  }

  /** POST `path` asking for the raw stream (attach): resolves to the hijacked socket. */
  hijack(path: string, call: EngineCall = {}): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const req = this.open('POST', path, call, { Connection: 'Upgrade', Upgrade: 'tcp' });
      req.on('upgrade', (_res, socket, head) => {
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      req.on('response', (res: IncomingMessage) => {
        void readAll(res).then((text) => reject(new EngineError(res.statusCode ?? 0, text.trim() || `HTTP ${res.statusCode}`)));
      });
      req.on('error', (err) => reject(this.transportError(err)));
      req.end();
    });
  }

  private send(method: string, path: string, call: EngineCall): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const body = call.body === undefined ? undefined : JSON.stringify(call.body);
      const req = this.open(method, path, call, body === undefined ? {} : { 'Content-Type': 'application/json' });
      req.on('response', resolve);
      req.on('error', (err) => reject(this.transportError(err)));
      req.end(body);
    });
  }

  private open(method: string, path: string, call: EngineCall, headers: Record<string, string>): ClientRequest {
    const query = Object.entries(call.query ?? {}).filter(([, v]) => v !== undefined);
    const search = query.length ? `?${new URLSearchParams(query.map(([k, v]): [string, string] => [k, String(v)])).toString()}` : '';
    const c = this.connection;
    if (c.protocol === 'https' || c.protocol === 'ssh') {
      throw dockerUnavailable(c, new Error(`${c.protocol}:// engines are reached through dockerode only; use a unix socket or tcp://`));
    }
    const target: RequestOptions = c.socketPath ? { socketPath: c.socketPath } : { host: c.host, port: Number(c.port) };
    // servername '': http.Agent would otherwise test whether the Host is an IP address for a TLS
    // name this plain connection never uses, and compiling Node's IPv6 pattern costs a launch ~3 ms of CPU.
    const options: RequestOptions & { servername: string } = { ...target, servername: '', method, path: `${path}${search}`, headers: { Host: 'docker', ...headers } };
    return nodeHttp().request(options);
  }

  private transportError(err: unknown): Error {
    const code = (err as NodeJS.ErrnoException).code;
    return code && TRANSPORT_CODES.has(code) ? dockerUnavailable(this.connection, err) : (err as Error);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}
