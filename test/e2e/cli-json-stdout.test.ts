import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from './cli-run.js';

// stdout is for results: every command that prints JSON, run as the built CLI with debug logging
// on, writes exactly one JSON document to stdout and its log lines to stderr (`ncl … | jq` works).

let dir: string;
let env: NodeJS.ProcessEnv;
let vault: Awaited<ReturnType<typeof startCli>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-e2e-json-'));
  env = { PATH: process.env.PATH, HOME: join(dir, 'home'), NANOCLAW_VAULT_DIR: join(dir, 'vault'), LOG_LEVEL: 'debug' };
  vault = await startCli(['vault', 'serve', '--api-listen', '127.0.0.1:0', '--gateway-listen', '127.0.0.1:0'], { cwd: dir, env, ready: /Vault API listening on (http:\/\/\S+);/ });
  env.ONECLI_URL = /Vault API listening on (http:\/\/\S+?);/.exec(vault.output())![1]!;
});

afterAll(async () => {
  await vault?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs one command and returns its stdout parsed; fails the test when stdout is not one JSON document. */
async function json(args: string[], input?: string): Promise<any> {
  const r = await runCli(args, { cwd: dir, env, ...(input === undefined ? {} : { input }) });
  expect(r.code, `ncl ${args.join(' ')}: ${r.stderr}`).toBe(0);
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`ncl ${args.join(' ')} wrote more than JSON to stdout:\n${r.stdout}`);
  }
}

describe('every JSON command writes only JSON to stdout', () => {
  it('secrets, agents, rules, approvers, approvals, audit, vault, ps, lockdown, init-onecli', async () => {
    const value = `ghp_${randomBytes(12).toString('hex')}`;
    const secret = await json(['secrets', 'create', '--name', 'GitHub', '--type', 'api_key', '--host-pattern', 'api.github.com', '--value-stdin'], value);
    await json(['secrets', 'list']);
    await json(['secrets', 'get', '--id', secret.id]);
    await json(['secrets', 'update', '--id', secret.id, '--path-pattern', '/repos/*']);
    const agent = await json(['agents', 'create', '--name', 'Main', '--identifier', 'main']);
    for (const args of [['agents', 'list'], ['agents', 'get', '--id', 'main'], ['agents', 'secrets', '--id', 'main'], ['agents', 'grant', '--id', 'main', '--secret-ids', secret.id]]) await json(args);
    await json(['agents', 'set-secrets', '--id', 'main', '--secret-ids', secret.id]);
    await json(['agents', 'set-secret-mode', '--id', 'main', '--mode', 'selective']);
    await json(['agents', 'regenerate-token', '--id', agent.id]);
    const rule = await json(['rules', 'create', '--action', 'block', '--host-pattern', 'evil.test', '--json']);
    await json(['rules', 'list', '--json']);
    await json(['rules', 'delete', rule.id, '--json']);
    const approver = await json(['approvers', 'add', '--name', 'Me', '--role', 'owner', '--channel', 'dashboard', '--json']);
    await json(['approvers', 'list', '--json']);
    await json(['approvers', 'remove', approver.id, '--json']);
    await json(['approvals', 'list', '--json']);
    await json(['approvals', 'grants', '--json']);
    await json(['audit', 'list', '--json']);
    await json(['audit', 'export', '--format', 'json']);
    await json(['vault', 'status']);
    await json(['init-onecli', '--dry-run', '--json']);
    await json(['ps', '--json']);
    await json(['lockdown', 'status']);
    await json(['secrets', 'delete', '--id', secret.id]);
    await json(['agents', 'delete', '--id', 'main']);
  });

  it('the process logger writes every level to stderr, none to stdout', async () => {
    // The lines a command may log before its result (e.g. launch's "Lockdown relay ready").
    const logger = new URL('../../dist/src/common/logger.js', import.meta.url).href;
    const script = `const { Logger } = await import(${JSON.stringify(logger)}); const l = new Logger({ level: 'debug' }); l.debug('d'); l.info('i'); l.warn('w'); l.error('e');`;
    const r = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], (err, stdout, stderr) => (err ? reject(err) : resolve({ stdout, stderr }))),
    );
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n').map((l) => l.split(' ')[1])).toEqual(['DEBUG', 'INFO', 'WARN', 'ERROR']);
  });
});
