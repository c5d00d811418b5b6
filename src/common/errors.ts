/** Exit codes of every command: 0 ok, 1 failure, 2 usage error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export interface ErrorOptions {
  /** The next thing the user can do about it, usually a command to run. */
  hint?: string;
  cause?: unknown;
  /** Extra machine-readable detail; never put a secret value here. */
  details?: Record<string, unknown>;
}

/** A failure the user can act on: a stable `code` for scripts and a `hint` for people. */
export class NanoclawError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly exitCode: number = EXIT.failure;

  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NanoclawError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** The command line was wrong: exit 2. */
export class UsageError extends NanoclawError {
  override readonly exitCode: number = EXIT.usage;
  constructor(message: string, options: ErrorOptions = {}) {
    super('usage_error', message, options);
    this.name = 'UsageError';
  }
}

export function isNanoclawError(err: unknown): err is NanoclawError {
  return err instanceof NanoclawError;
}

/** The message of anything thrown, for wrapping low-level errors in a domain error. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

/** A failure a child process has already reported to the user: exit with its code, print nothing more. */
export class ReportedFailure extends Error {
  readonly exitCode: number;
  constructor(exitCode: number) {
    super(`exited with code ${exitCode}`);
    this.name = 'ReportedFailure';
    this.exitCode = exitCode;
  }
}
