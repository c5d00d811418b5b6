import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { NanoclawError } from '../common/errors.js';
import { extractOauthToken } from './anthropic-token.js';
import { TokenMask } from './token-mask.js';
import type { SetupIo } from './types.js';

const MAX_CAPTURE = 256 * 1024;

/** The `claude` executable on `env.PATH`, or null. */
export async function findClaude(env: NodeJS.ProcessEnv): Promise<string | null> {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const file = join(dir, 'claude');
    if (await access(file, constants.X_OK).then(() => true, () => false)) return file;
  }
  return null;
}

/** `script` gives the child a pseudo-terminal (it prompts and draws only on one) with no native dependency. */
function scriptArgs(platform: NodeJS.Platform): string[] {
  return platform === 'darwin' ? ['-q', '/dev/null', 'claude', 'setup-token'] : ['-qfec', 'claude setup-token', '/dev/null'];
}

/**
 * Runs `claude setup-token` under a PTY, the user's terminal attached, and returns the
 * `sk-ant-oat…` token it prints. The token is masked in everything forwarded to the screen.
 */
export async function runClaudeSetupToken(io: SetupIo, options: { timeoutMs?: number } = {}): Promise<string> {
  const mask = new TokenMask();
  let captured = '';
  const child = execa('script', scriptArgs(process.platform), {
    cwd: io.cwd,
    env: io.env,
    extendEnv: false,
    stdin: 'inherit',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    timeout: options.timeoutMs ?? 10 * 60_000,
  });
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    captured = (captured + text).slice(-MAX_CAPTURE);
    io.stderr.write(mask.push(text));
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const result = await child;
  io.stderr.write(mask.flush() + '\n');
  const token = extractOauthToken(captured);
  captured = '';
  if (token) {
    io.logger.redactor.add(token);
    return token;
  }
  const why = result.failed ? (result.timedOut ? 'timed out' : `exited with ${result.exitCode ?? result.signal ?? 'an error'}`) : 'finished';
  throw new NanoclawError('setup_token_failed', `claude setup-token ${why} without printing a token (sk-ant-oat…)`, {
    hint: 'Run claude setup-token yourself and paste the token: ncl setup --auth oauth',
  });
}
