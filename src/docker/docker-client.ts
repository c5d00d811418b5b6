import Docker from 'dockerode';
import { dockerConnectionOptions, dockerUnavailable, type ConnectDockerOptions } from './docker-connection.js';

export type { default as Docker } from 'dockerode';
export { dockerConnectionOptions, type ConnectDockerOptions } from './docker-connection.js';

const PING_TIMEOUT_MS = 5_000;

/**
 * A dockerode client for a running engine; throws `docker_unavailable` (with how to start
 * the engine) when it does not answer a ping within 5 s.
 */
export async function connectDocker(options: ConnectDockerOptions = {}): Promise<Docker> {
  const connection = dockerConnectionOptions(options);
  try {
    await new Docker({ ...connection, timeout: PING_TIMEOUT_MS }).ping();
  } catch (err) {
    throw dockerUnavailable(connection, err);
  }
  // The ping timeout makes a dead socket fail fast; image builds and log streams take
  // minutes, so the client we hand out has none.
  return new Docker(connection);
}
