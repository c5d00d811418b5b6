import type Docker from 'dockerode';
import { testLabels } from './test-labels.js';

export interface RunContainerOptions {
  docker: Docker;
  image: string;
  cmd: string[];
  /** Network to join (default: Docker's bridge). */
  network?: string;
  user?: string;
  env?: Record<string, string>;
  /** `host:container[:ro]` bind mounts. */
  binds?: string[];
  /** Kill the container after this long (default 60 s). */
  timeoutMs?: number;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Splits Docker's multiplexed log stream (8-byte frame headers; 1 = stdout, 2 = stderr). */
export function demuxDockerStream(raw: Buffer): { stdout: Buffer; stderr: Buffer } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const kind = raw[offset];
    const size = raw.readUInt32BE(offset + 4);
    const frame = raw.subarray(offset + 8, offset + 8 + size);
    (kind === 2 ? err : out).push(frame);
    offset += 8 + size;
  }
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
}

/**
 * Runs `cmd` in a fresh, labelled container to completion and returns its exit code and
 * output; the container is removed afterwards whatever happens.
 */
export async function runContainer(options: RunContainerOptions): Promise<RunResult> {
  const { docker, image, cmd, network, user, env = {}, binds, timeoutMs = 60_000 } = options;
  const container = await docker.createContainer({
    Image: image,
    Cmd: cmd,
    User: user ?? '',
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: testLabels(),
    HostConfig: { NetworkMode: network ?? 'bridge', ...(binds ? { Binds: binds } : {}) },
  });
  try {
    await container.start();
    const timer = setTimeout(() => void container.kill().catch(() => undefined), timeoutMs);
    const { StatusCode } = (await container.wait().finally(() => clearTimeout(timer))) as {
      StatusCode: number;
    };
    const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as Buffer;
    const { stdout, stderr } = demuxDockerStream(logs);
    return { exitCode: StatusCode, stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8') };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}
