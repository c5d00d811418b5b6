import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NanoclawError, errorMessage } from '../common/errors.js';

/**
 * Claude Code for the default agent image, offline. `@anthropic-ai/claude-code` is a wrapper
 * whose postinstall copies the native binary out of a platform package
 * (`@anthropic-ai/claude-code-linux-x64`, an optional dependency, no download of its own). The
 * image build has no network, so the host packs that platform package from the npm registry
 * once (`npm pack`), keeps the binary in its cache, and the build context carries it.
 */

/** The pinned Claude Code release of the default agent image. */
export const CLAUDE_CODE_VERSION = '2.1.332';

const run = promisify(execFile);

/** The npm package holding Claude Code's native binary for Linux on `arch` (Node's names: x64, arm64); glibc, as Debian's. */
export function claudeCodePlatformPackage(arch: string): string {
  if (arch !== 'x64' && arch !== 'arm64') {
    throw new NanoclawError('claude_code_unsupported', `Claude Code has no Linux build for the ${arch} architecture`, {
      hint: 'Build the agent image without it: ncl images build --without-claude-code',
    });
  }
  return `@anthropic-ai/claude-code-linux-${arch}`;
}

export interface ClaudeCodeOptions {
  /** The project's cache dir (paths.cacheDir): the binary is kept under it. */
  cacheDir: string;
  /** Default: this host's (the engine builds images for it). */
  arch?: string;
  /** Default `npm` on PATH. */
  npm?: string;
}

/** Host path of the pinned Claude Code binary for the image: cached, or packed from the npm registry now. */
export async function ensureClaudeCodeBinary(options: ClaudeCodeOptions): Promise<string> {
  const pkg = claudeCodePlatformPackage(options.arch ?? process.arch);
  const dir = join(options.cacheDir, 'claude-code', `${pkg.replace(/^@anthropic-ai\//, '')}-${CLAUDE_CODE_VERSION}`);
  const binary = join(dir, 'claude');
  if (existsSync(binary)) return binary;
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const work = await mkdtemp(join(dir, '.pack-'));
  try {
    const spec = `${pkg}@${CLAUDE_CODE_VERSION}`;
    const packed = await run(options.npm ?? 'npm', ['pack', spec, '--pack-destination', work, '--silent'], { maxBuffer: 1 << 20 });
    const tarball = packed.stdout.trim().split('\n').at(-1) ?? '';
    await run('tar', ['-xzf', join(work, tarball), '-C', work, 'package/claude']);
    await chmod(join(work, 'package', 'claude'), 0o755);
    await rename(join(work, 'package', 'claude'), binary);
    return binary;
  } catch (err) {
    throw new NanoclawError('claude_code_unavailable', `Could not get Claude Code ${CLAUDE_CODE_VERSION} (${pkg}) from the npm registry: ${errorMessage(err)}`, {
      hint: `The host needs the npm registry once (npm ping); it is then kept in ${dir}. Or build the agent image without it: ncl images build --without-claude-code`,
      cause: err,
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
