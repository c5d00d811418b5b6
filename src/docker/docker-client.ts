import Docker from 'dockerode';
import { NanoclawError, errorMessage } from '../common/errors.js';

export type { default as Docker } from 'dockerode';

const DEFAULT_SOCKET = '/var/run/docker.sock';
const PING_TIMEOUT_MS = 5_000;

export interface ConnectDockerOptions {
  /** Where DOCKER_HOST is read from; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Unix socket of the engine; wins over DOCKER_HOST. */
  socketPath?: string;
}

/** The dockerode constructor options for DOCKER_HOST (unix://, tcp://) or the default socket. */
export function dockerConnectionOptions(options: ConnectDockerOptions = {}): Docker.DockerOptions {
  if (options.socketPath) return { socketPath: options.socketPath };
  const host = (options.env ?? process.env).DOCKER_HOST?.trim();
  if (!host) return { socketPath: DEFAULT_SOCKET };
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('npipe://')) return { socketPath: host.slice('npipe:'.length).replaceAll('/', '\\') };
  const url = URL.parse(host.replace(/^tcp:/, 'http:'));
  if (!url) return { socketPath: host };
  return { host: url.hostname, port: url.port || 2375, protocol: url.protocol === 'https:' ? 'https' : 'http' };
}

function describe(options: Docker.DockerOptions): string {
  return options.socketPath ?? `${options.protocol ?? 'http'}://${options.host}:${options.port}`;
}

/**
 * A dockerode client for a running engine; throws `docker_unavailable` (with how to start
 * the engine) when it does not answer a ping within 5 s.
 */
export async function connectDocker(options: ConnectDockerOptions = {}): Promise<Docker> {
  const connection = dockerConnectionOptions(options);
  try {
    await new Docker({ ...connection, timeout: PING_TIMEOUT_MS }).ping();
  } catch (err) {
    throw new NanoclawError(
      'docker_unavailable',
      `The Docker engine is not running or not reachable at ${describe(connection)} (${errorMessage(err)}).`,
      {
        hint:
          'Start Docker (`systemctl start docker`, Docker Desktop, or `dockerd &`), check DOCKER_HOST, ' +
          'then run `docker info` to confirm it answers.',
        cause: err,
      },
    );
  }
  // The ping timeout makes a dead socket fail fast; image builds and log streams take
  // minutes, so the client we hand out has none.
  return new Docker(connection);
}
