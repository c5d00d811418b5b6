import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { NanoclawError } from '../common/errors.js';

export interface ExecOptions {
  cmd: string[];
  user?: string;
  timeoutMs?: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in a running container and collects its output; throws `exec_timeout` after `timeoutMs`. */
export async function execInContainer(docker: Docker, containerId: string, options: ExecOptions): Promise<ExecResult> {
  const container = docker.getContainer(containerId);
  const exec = await container.exec({
    Cmd: options.cmd,
    AttachStdout: true,
    AttachStderr: true,
    ...(options.user ? { User: options.user } : {}),
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.out.push(c));
  err.on('data', (c: Buffer) => chunks.err.push(c));
  docker.modem.demuxStream(stream, out, err);
  const timeoutMs = options.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve, reject) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          stream.destroy();
          reject(new NanoclawError('exec_timeout', `${options.cmd[0]} in container ${containerId.slice(0, 12)} did not finish within ${timeoutMs} ms`));
        }, timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
  const info = await exec.inspect();
  return {
    exitCode: info.ExitCode ?? -1,
    stdout: Buffer.concat(chunks.out).toString('utf8'),
    stderr: Buffer.concat(chunks.err).toString('utf8'),
  };
}
