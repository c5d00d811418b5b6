import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/**
 * Request/response over Node's IPC channel, so the parent can ask a child (upstream, gateway)
 * for its counters and its own CPU and memory figures.
 */

interface Envelope {
  id: number;
  type: string;
  payload?: unknown;
}

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

export type Handlers = Record<string, (payload: unknown) => unknown>;

export interface Child {
  pid: number;
  call<T>(type: string, payload?: unknown): Promise<T>;
  close(): Promise<void>;
}

/** Starts a bench child script with an IPC channel; it exits when the parent goes away. */
export function startChild(script: string, options: { execArgv?: string[] } = {}): Child {
  const proc: ChildProcess = fork(script, [], {
    execArgv: options.execArgv ?? [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 1;
  const pending = new Map<number, { type: string; resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  proc.on('message', (msg: Reply) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    // Which child and which call: a failure in one of several gateway children says where it was.
    if (msg.error !== undefined) p.reject(new Error(`${script} ${p.type}: ${msg.error}`));
    else p.resolve(msg.result);
  });
  proc.once('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`${script} exited (${code ?? signal})`));
    pending.clear();
  });
  return {
    pid: proc.pid ?? 0,
    call<T>(type: string, payload?: unknown): Promise<T> {
      if (proc.exitCode !== null || !proc.connected) return Promise.reject(new Error(`${script} is not running`));
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { type, resolve: resolve as (v: unknown) => void, reject });
        proc.send({ id, type, payload } satisfies Envelope);
      });
    },
    async close() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      if (proc.connected) proc.disconnect();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** In a child: answers the parent's calls; `close` (or the parent leaving) ends the process. */
export function serveParent(handlers: Handlers, onClose: () => Promise<void>): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('bench child started without an IPC channel');
  process.on('message', (msg: Envelope) => {
    const handler = handlers[msg.type];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown call ${msg.type}`);
        return handler(msg.payload);
      })
      .then(
        (result) => send({ id: msg.id, result } satisfies Reply),
        // The child's stack: the parent's own says only that a message arrived.
        (err: unknown) => send({ id: msg.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies Reply),
      );
  });
  process.once('disconnect', () => {
    void onClose().finally(() => process.exit(0));
  });
}
