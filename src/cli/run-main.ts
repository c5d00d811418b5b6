import { Logger, parseLogLevel } from '../common/logger.js';
import { Redactor } from '../common/redact.js';
import { terminalPrompter } from './prompter.js';
import { runCli } from './run-cli.js';

/** Silences node:sqlite's "experimental" warning, which is noise to users on Node 22/24. */
function hideSqliteWarning(): void {
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/SQLite is an experimental feature/.test(text)) return;
    (emitWarning as (...a: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}

/** Runs the command line in this process with its real streams; main.ts loads it once Node is new enough. */
export async function runMain(options: { version: string; bugsUrl?: string; argv: string[] }): Promise<number> {
  hideSqliteWarning();
  const logger = new Logger({ level: parseLogLevel(process.env.LOG_LEVEL), redactor: new Redactor() });
  return runCli(
    {
      cwd: process.cwd(),
      env: process.env,
      // process.stdin is made on first access, which costs a launch a few ms it never uses it for.
      get stdin() {
        return process.stdin;
      },
      stdout: process.stdout,
      stderr: process.stderr,
      logger,
      prompter: terminalPrompter(() => process.stdin, process.stderr),
      version: options.version,
      ...(options.bugsUrl ? { bugsUrl: options.bugsUrl } : {}),
    },
    options.argv,
  );
}
