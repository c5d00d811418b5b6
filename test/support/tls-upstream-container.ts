import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { NanoclawError } from '../../src/common/errors.js';
import { ensureBaseImage } from './base-image.js';
import { parseRecordedLines, type RecordedRequest } from './recorded-request.js';
import { testLabels, testResourceName } from './test-labels.js';
import { makeTestCertificates } from './tls-certs.js';
import { UPSTREAM_SERVER_SCRIPT } from './upstream-server-script.js';

export interface TlsUpstreamContainerOptions {
  docker: Docker;
  /** Docker network to join (it must exist). */
  network: string;
  /** Public-looking names it answers to on that network, e.g. `api.github.test`. */
  aliases: string[];
  /** Default 443, so `https://<alias>/` works. */
  port?: number;
  /** Default: ensureBaseImage(). */
  image?: string;
  /** ESM source whose default export is `(req, res, recorded) => …`; default echoes the path. */
  handlerModule?: string;
  startTimeoutMs?: number;
}

export interface TlsUpstreamContainer extends AsyncDisposable {
  id: string;
  name: string;
  aliases: string[];
  port: number;
  /** `https://<first alias>[:port]`. */
  url: string;
  /** Address on `network`. */
  ip: string;
  caPem: string;
  /** Host path of the CA PEM (for NANOCLAW_EXTRA_CA_CERTS or a bind mount). */
  caFile: string;
  /** Every request the container has received so far, in arrival order. */
  requests(): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

async function waitForFile(path: string, timeoutMs: number, alive: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await readFile(path).then(() => true, () => false)) return true;
    if (!(await alive())) return false;
    await sleep(100);
  }
  return false;
}

/**
 * Runs a recording HTTPS upstream with its own test CA in a container on `network`, under
 * `aliases`: "the internet" for tests that go through the vault. Files are bind-mounted
 * from a host temp dir (server and certs read-only, the request log writable).
 */
export async function runTlsUpstreamContainer(
  options: TlsUpstreamContainerOptions,
): Promise<TlsUpstreamContainer> {
  const { docker, network, aliases, port = 443, handlerModule, startTimeoutMs = 30_000 } = options;
  const image = options.image ?? (await ensureBaseImage({ docker }));
  const root = await mkdtemp(join(tmpdir(), 'nanoclaw-upstream-'));
  const app = join(root, 'app');
  const records = join(root, 'records');
  await mkdir(app);
  await mkdir(records);
  await chmod(root, 0o755);
  const certs = await makeTestCertificates({ hostnames: aliases, dir: app });
  await writeFile(join(app, 'server.mjs'), UPSTREAM_SERVER_SCRIPT);
  if (handlerModule) await writeFile(join(app, 'handler.mjs'), handlerModule);
  const name = testResourceName('upstream');
  const uid = process.getuid?.() ?? 1000;
  const gid = process.getgid?.() ?? 1000;
  const container = await docker.createContainer({
    name,
    Image: image,
    Cmd: ['node', '/upstream/app/server.mjs'],
    // The host's uid, so the request log it writes stays readable and removable by the test.
    User: `${uid}:${gid}`,
    Env: [
      'UPSTREAM_CERT=/upstream/app/server.pem',
      'UPSTREAM_KEY=/upstream/app/server.key',
      `UPSTREAM_PORT=${port}`,
      'UPSTREAM_RECORDS=/upstream/records/requests.jsonl',
      'UPSTREAM_READY=/upstream/records/ready',
      ...(handlerModule ? ['UPSTREAM_HANDLER=/upstream/app/handler.mjs'] : []),
    ],
    Labels: testLabels(),
    HostConfig: {
      NetworkMode: network,
      Binds: [`${app}:/upstream/app:ro`, `${records}:/upstream/records:rw`],
    },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: aliases } } },
  });
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= container
      .remove({ force: true })
      .catch(() => undefined)
      .then(() => rm(root, { recursive: true, force: true }));
    return closed;
  };
  try {
    await container.start();
    const alive = async () => (await container.inspect()).State.Running;
    if (!(await waitForFile(join(records, 'ready'), startTimeoutMs, alive))) {
      const logs = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
      throw new NanoclawError('upstream_not_ready', `Test upstream ${name} did not listen within ${startTimeoutMs} ms; logs: ${logs.slice(-2000)}`, {
        hint: `docker logs ${name}`,
      });
    }
    const info = await container.inspect();
    const ip = info.NetworkSettings.Networks[network]?.IPAddress ?? '';
    return {
      id: container.id,
      name,
      aliases,
      port,
      url: `https://${aliases[0] ?? ip}${port === 443 ? '' : `:${port}`}`,
      ip,
      caPem: certs.caPem,
      caFile: certs.caFile,
      requests: async () =>
        parseRecordedLines(await readFile(join(records, 'requests.jsonl'), 'utf8').catch(() => '')),
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
