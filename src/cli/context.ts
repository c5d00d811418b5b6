import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../common/logger.js';
import type { Prompter } from './prompter.js';

/** Everything a command may touch, passed in so tests run commands in a temp dir with a temp HOME. */
export interface CliContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable;
  stderr: Writable;
  logger: Logger;
  prompter: Prompter;
  version: string;
  /** Where to report a bug: package.json `bugs`; absent when the package names none. */
  bugsUrl?: string;
}

/** Writes one JSON document to stdout: every command's machine-readable output. */
export function printJson(ctx: CliContext, value: unknown): void {
  ctx.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printLine(ctx: CliContext, line: string): void {
  ctx.stdout.write(line + '\n');
}
