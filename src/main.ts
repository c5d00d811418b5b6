#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { Logger, parseLogLevel } from './common/logger.js';
import { Redactor } from './common/redact.js';
import { terminalPrompter } from './cli/prompter.js';
import { runCli } from './cli/run-cli.js';

// node:sqlite still announces itself as experimental on Node 22/24; that line is noise to users.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  if (/SQLite is an experimental feature/.test(text)) return;
  (emitWarning as (...a: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

// Commands load their modules when they run (cli/program.ts); V8's code cache (in the temp dir)
// spares compiling them again on every later run of `ncl launch`.
enableCompileCache();

const logger = new Logger({ level: parseLogLevel(process.env.LOG_LEVEL), redactor: new Redactor() });
const code = await runCli(
  {
    cwd: process.cwd(),
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    logger,
    prompter: terminalPrompter(process.stdin, process.stderr),
    version: packageVersion(),
  },
  process.argv.slice(2),
);
process.exitCode = code;
