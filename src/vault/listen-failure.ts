import { NanoclawError, errorMessage } from '../common/errors.js';

const REASONS: Record<string, (port: number, host: string) => string> = {
  EADDRINUSE: (port) => `port ${port} is in use by another process`,
  EACCES: (port) => `this user may not listen on port ${port}`,
  EADDRNOTAVAIL: (_port, host) => `${host} is not an address of this machine`,
};

export interface ListenFailureOptions {
  /** `API` or `gateway`. */
  part: string;
  host: string;
  port: number;
  /** Where the address came from (`--api-listen`, `NANOCLAW_VAULT_LISTEN`), named in the hint. */
  setting: string;
}

/** The failed listen() under `err` (a domain error may wrap it as its cause). */
function listenError(err: unknown): NodeJS.ErrnoException | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if ((e as NodeJS.ErrnoException).syscall === 'listen') return e;
  }
  return undefined;
}

/**
 * A listener that could not start, as a `listen_failed` error that says which setting to change;
 * any other error is returned as it is.
 */
export function asListenFailure(err: unknown, options: ListenFailureOptions): unknown {
  const cause = listenError(err);
  if (!cause) return err;
  const code = cause.code ?? '';
  const reason = REASONS[code]?.(options.port, options.host) ?? errorMessage(cause);
  const address = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  return new NanoclawError('listen_failed', `The vault ${options.part} cannot listen on ${address}: ${reason}`, {
    hint:
      code === 'EADDRINUSE'
        ? `Stop what listens there (another vault? ncl vault status; ss -ltnp shows the process), or set ${options.setting} to a free host:port`
        : `Set ${options.setting} to an address of this machine with a free port, e.g. 127.0.0.1:${options.port}`,
    cause: err,
    details: { setting: options.setting, address, errno: code },
  });
}
