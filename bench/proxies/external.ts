import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, constants, rm } from 'node:fs/promises';
import net from 'node:net';
import { delimiter, join } from 'node:path';

/** Process plumbing shared by the comparison proxies (squid, mitmdump). */

/** The first executable named `name` on PATH or in `extraDirs`; null when it is not installed. */
export async function findExecutable(name: string, extraDirs: string[] = []): Promise<string | null> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extraDirs].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts a proxy process with its output discarded; `exited` settles when it stops. */
export function launch(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const proc = spawn(file, args, { env, stdio: 'ignore' });
  proc.on('error', () => {});
  return proc;
}

/** Waits until `port` accepts TCP connections; throws when the process exits or time runs out. */
export async function waitForPort(port: number, proc: ChildProcess, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`${what} exited (${proc.exitCode ?? proc.signalCode}) before listening on ${port}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${timeoutMs / 1000}s`);
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
export async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, 'exit');
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A comparison proxy that is listening, and how to stop it (its directory goes with it). */
export interface StartedProxy {
  proc: ChildProcess;
  close(): Promise<void>;
}

/**
 * Launches a proxy whose files live in `dir` and waits until it listens on `port` (and `ready`
 * resolves). On failure the process is stopped, `dir` removed, and a "`name` skipped: …" note
 * returned, with `detail()` (e.g. the end of its log) appended when it has something to say.
 */
export async function startProxyProcess(o: {
  name: string;
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  dir: string;
  port: number;
  ready?: () => Promise<void>;
  detail?: () => Promise<string>;
}): Promise<StartedProxy | string> {
  const proc = launch(o.file, o.args, o.env);
  const close = async (): Promise<void> => {
    await stopProcess(proc);
    await rm(o.dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(o.port, proc, o.name);
    await o.ready?.();
  } catch (err) {
    const detail = (await o.detail?.()) ?? '';
    await close();
    return `${o.name} skipped: ${(err as Error).message}${detail ? ` (${detail})` : ''}`;
  }
  return { proc, close };
}
