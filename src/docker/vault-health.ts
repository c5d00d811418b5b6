import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { NanoclawError, errorMessage } from '../common/errors.js';

export interface WaitForVaultOptions {
  docker: Docker;
  containerId: string;
  /** The API's base URL as published on the host, e.g. http://127.0.0.1:10254. */
  url: string;
  timeoutMs?: number;
  pollMs?: number;
}

/** The last `n` lines of a container's log (both streams, stack frames left out), for an error message. */
export async function lastLogLines(docker: Docker, id: string, n: number): Promise<string[]> {
  const raw = (await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: n * 10 }).catch(() => Buffer.alloc(0))) as Buffer;
  const text: string[] = [];
  for (let at = 0; at + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(at + 4); // Docker's multiplexed frames: 8-byte header, then the payload
    text.push(raw.subarray(at + 8, at + 8 + size).toString('utf8'));
    at += 8 + size;
  }
  // Stack frames say where, not what: keep the lines that carry the message.
  return text.join('').split('\n').map((l) => l.trimEnd()).filter((l) => l !== '' && !/^\s+at /.test(l)).slice(-n);
}

async function probe(url: string): Promise<string | null> {
  try {
    const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    return res.ok ? null : `HTTP ${res.status}`;
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    return errorMessage(cause ?? err);
  }
}

/**
 * Waits until the vault answers `GET /api/health` with 200 through its published port.
 * Fails early when the container stops or restarts, with its last log lines; on timeout
 * says what it waited for and the last error.
 */
export async function waitForVaultHealth(options: WaitForVaultOptions): Promise<void> {
  const { docker, containerId, url, timeoutMs = 60_000, pollMs = 250 } = options;
  const started = Date.now();
  let lastError = 'no answer yet';
  const fail = async (why: string) => {
    const log = await lastLogLines(docker, containerId, 5);
    return new NanoclawError('vault_unhealthy', `${why}${log.length > 0 ? `; its last log lines:\n  ${log.join('\n  ')}` : ''}`, {
      hint: `See the whole log: docker logs ${containerId.slice(0, 12)}; then run: ncl vault up`,
    });
  };
  while (Date.now() - started < timeoutMs) {
    const problem = await probe(url);
    if (problem === null) return;
    lastError = problem;
    const info = await docker.getContainer(containerId).inspect().catch(() => null);
    if (!info) throw await fail(`The vault container ${containerId.slice(0, 12)} disappeared while starting`);
    if (info.State.Status === 'exited' || info.State.Status === 'dead' || info.RestartCount > 0) {
      throw await fail(`The vault container stopped while starting (exit code ${info.State.ExitCode})`);
    }
    await sleep(pollMs);
  }
  const seconds = Math.round(timeoutMs / 1000);
  throw await fail(`Vault not healthy at ${url}/api/health after ${seconds}s (last error: ${lastError})`);
}
