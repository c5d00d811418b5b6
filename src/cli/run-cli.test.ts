import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../common/logger.js';
import { Redactor } from '../common/redact.js';
import type { CliContext } from './context.js';
import { runCli } from './run-cli.js';

/** A context whose stdout fails: an error no command expects, i.e. a bug. */
function brokenContext(bugsUrl?: string): { ctx: CliContext; stderr: () => string } {
  let err = '';
  const noPrompt = () => Promise.reject(new Error('no prompt'));
  const ctx: CliContext = {
    cwd: '/',
    env: {},
    stdin: Object.assign(new PassThrough(), { isTTY: false }),
    stdout: new Writable({ write: () => { throw new Error('stdout is gone'); } }),
    stderr: new Writable({ write: (c, _e, cb) => ((err += c), cb()) }),
    logger: new Logger({ level: 'silent', sink: memorySink(), redactor: new Redactor() }),
    prompter: { interactive: false, secret: noPrompt, text: noPrompt, confirm: noPrompt },
    version: '1.0.0',
    ...(bugsUrl ? { bugsUrl } : {}),
  };
  return { ctx, stderr: () => err };
}

describe('an unexpected error', () => {
  it('says it is a bug, with no address when package.json names none', async () => {
    const { ctx, stderr } = brokenContext();
    expect(await runCli(ctx, ['--version'])).toBe(1);
    const body = JSON.parse(stderr()) as { code: string; message: string; hint: string };
    expect(body.code).toBe('internal_error');
    expect(body.message).toContain('This is a bug in nanoclaw: stdout is gone');
    expect(body.hint).not.toMatch(/https?:/);
  });

  it('names package.json’s bugs address when there is one', async () => {
    const { ctx, stderr } = brokenContext('https://example.test/issues');
    await runCli(ctx, ['--version']);
    expect(JSON.parse(stderr()).hint).toContain('report it at https://example.test/issues');
  });
});
