import { PassThrough, Writable } from 'node:stream';
import type { CliContext } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/run-cli.js';
import { Logger, memorySink } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/redact.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Every log line the command wrote (warnings included), after redaction. */
  logs: string[];
  /** stdout parsed as JSON, or null when it is not JSON. */
  json: any;
}

/** Runs `ncl <args>` in this process (no terminal, no prompts), capturing everything it writes. */
export async function runCliInProcess(args: string[], o: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const sink = memorySink();
  const noPrompt = () => Promise.reject(new Error('no prompt'));
  const ctx: CliContext = {
    cwd: o.cwd,
    env: o.env,
    stdin: Object.assign(new PassThrough(), { isTTY: false }),
    stdout: new Writable({ write: (c, _e, cb) => ((stdout += c), cb()) }),
    stderr: new Writable({ write: (c, _e, cb) => ((stderr += c), cb()) }),
    logger: new Logger({ level: 'info', sink, redactor: new Redactor() }),
    prompter: { interactive: false, secret: noPrompt, text: noPrompt, confirm: noPrompt },
    version: '0.0.0-test',
  };
  const code = await runCli(ctx, args);
  let json: any = null;
  try {
    json = JSON.parse(stdout);
  } catch {
    /* not JSON */
  }
  return { code, stdout, stderr, logs: sink.lines, json };
}
