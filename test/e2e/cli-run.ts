import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_LAYOUT } from '../../src/common/package-layout.js';

/** The built CLI, as users run it (the bundle). */
export const CLI = join(fileURLToPath(new URL('../../', import.meta.url)), PACKAGE_LAYOUT.cliEntry);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

/** Runs the built CLI as a subprocess; `input` is written to its stdin. */
export function runCli(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, env: opts.env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      let json: any = null;
      try {
        json = JSON.parse(stdout);
      } catch {
        /* not JSON */
      }
      resolve({ code: code ?? -1, stdout, stderr, json });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Starts a long-running CLI command and resolves once `ready` matches its output. */
export function startCli(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; ready: RegExp; timeoutMs?: number },
): Promise<{ child: ChildProcess; output: () => string; stop: () => Promise<number> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, env: opts.env, stdio: 'pipe' });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ncl ${args.join(' ')} did not print ${opts.ready} within ${opts.timeoutMs ?? 20000} ms; output:\n${out}`));
    }, opts.timeoutMs ?? 20_000);
    const onData = (d: Buffer) => {
      out += d;
      if (opts.ready.test(out)) {
        clearTimeout(timer);
        resolve({
          child,
          output: () => out,
          stop: () =>
            new Promise((res) => {
              if (child.exitCode !== null) return res(child.exitCode);
              child.once('exit', (code) => res(code ?? -1));
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ncl ${args.join(' ')} exited with ${code} before it was ready; output:\n${out}`));
    });
  });
}
