import { NanoclawError, errorMessage } from '../common/errors.js';

/** Where the engine listens: a unix socket (or named pipe), or a TCP host. Same shape as dockerode's options. */
export interface DockerConnection {
  socketPath?: string;
  host?: string;
  port?: number | string;
  protocol?: 'http' | 'https' | 'ssh';
}

export interface ConnectDockerOptions {
  /** Where DOCKER_HOST is read from; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Unix socket of the engine; wins over DOCKER_HOST. */
  socketPath?: string;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';

/** The connection for DOCKER_HOST (unix://, tcp://) or the default socket. Pure. */
export function dockerConnectionOptions(options: ConnectDockerOptions = {}): DockerConnection {
  if (options.socketPath) return { socketPath: options.socketPath };
  const host = (options.env ?? process.env).DOCKER_HOST?.trim();
  if (!host) return { socketPath: DEFAULT_SOCKET };
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('npipe://')) return { socketPath: host.slice('npipe:'.length).replaceAll('/', '\\') };
  const url = URL.parse(host.replace(/^tcp:/, 'http:'));
  if (!url) return { socketPath: host };
  return { host: url.hostname, port: url.port || 2375, protocol: url.protocol === 'https:' ? 'https' : 'http' };
}

export function describeConnection(connection: DockerConnection): string {
  return connection.socketPath ?? `${connection.protocol ?? 'http'}://${connection.host}:${connection.port}`;
}

/** The error every way of talking to the engine throws when it does not answer. */
export function dockerUnavailable(connection: DockerConnection, err: unknown): NanoclawError {
  return new NanoclawError('docker_unavailable', `The Docker engine is not running or not reachable at ${describeConnection(connection)} (${errorMessage(err)}).`, {
    hint: 'Start Docker (`systemctl start docker`, Docker Desktop, or `dockerd &`), check DOCKER_HOST, then run `docker info` to confirm it answers.',
    cause: err,
  });
}
