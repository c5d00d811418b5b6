import Docker from 'dockerode';
import { NanoclawError, errorMessage } from '../../src/common/errors.js';
import { testLabelFilters, testRunId } from './test-labels.js';

export { testLabels, testRunId, testLabelFilters, testResourceName } from './test-labels.js';
export { TEST_LABEL, RUN_LABEL, BASE_LABEL } from './test-labels.js';

const DEFAULT_SOCKET = '/var/run/docker.sock';
const PING_TIMEOUT_MS = 5_000;

export interface RequireDockerOptions {
  /** Unix socket of the engine; default DOCKER_HOST's unix:// path or /var/run/docker.sock. */
  socketPath?: string;
}

function socketFromEnv(): string {
  const host = process.env.DOCKER_HOST;
  return host?.startsWith('unix://') ? host.slice('unix://'.length) : DEFAULT_SOCKET;
}

/** A dockerode client for a running engine; throws `docker_unavailable` with how to start it. */
export async function requireDocker(options: RequireDockerOptions = {}): Promise<Docker> {
  const socketPath = options.socketPath ?? socketFromEnv();
  const docker = new Docker({ socketPath, timeout: PING_TIMEOUT_MS });
  try {
    await docker.ping();
  } catch (err) {
    throw new NanoclawError(
      'docker_unavailable',
      `The Docker engine is not running or not reachable at ${socketPath} (${errorMessage(err)}); ` +
        'the integration tests need a real engine.',
      {
        hint:
          'Start it: `apt-get install -y docker.io && (dockerd >/var/log/dockerd.log 2>&1 &)`, ' +
          'or `systemctl start docker`. `.ci/run` installs and starts it for you.',
        cause: err,
      },
    );
  }
  // The ping used a short timeout so a dead socket fails fast; real work (image import,
  // builds) can take minutes, so the client we hand out has none.
  return new Docker({ socketPath });
}

export interface CleanupSummary {
  containers: number;
  networks: number;
  volumes: number;
  images: number;
}

async function settle<T>(items: T[], remove: (item: T) => Promise<unknown>): Promise<number> {
  const results = await Promise.allSettled(items.map(remove));
  return results.filter((r) => r.status === 'fulfilled').length;
}

/**
 * Removes the containers, networks, volumes and images labelled for test run `runId`
 * (default: this run; '*' for every run). Never touches unlabelled resources.
 * Best effort per resource: one that cannot be removed does not stop the others.
 */
export async function cleanupTestResources(
  runId: string = testRunId(),
  docker?: Docker,
): Promise<CleanupSummary> {
  const engine = docker ?? (await requireDocker());
  const filters = testLabelFilters(runId);
  const containers = await engine.listContainers({ all: true, filters });
  const removedContainers = await settle(containers, (c) =>
    engine.getContainer(c.Id).remove({ force: true, v: true }),
  );
  const networks = await engine.listNetworks({ filters });
  const removedNetworks = await settle(networks, (n) => engine.getNetwork(n.Id).remove());
  const { Volumes: volumes } = await engine.listVolumes({ filters });
  const removedVolumes = await settle(volumes ?? [], (v) => engine.getVolume(v.Name).remove());
  const images = await engine.listImages({ all: false, filters });
  const removedImages = await settle(images, (i) =>
    engine.getImage(i.Id).remove({ force: true }),
  );
  return {
    containers: removedContainers,
    networks: removedNetworks,
    volumes: removedVolumes,
    images: removedImages,
  };
}
