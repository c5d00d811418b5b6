import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLAUDE_CODE_VERSION, claudeCodePlatformPackage, ensureClaudeCodeBinary } from './claude-code.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A stand-in `npm` whose `pack` writes a package tarball with a `claude` file, counting its calls. */
async function fakeNpm(dir: string): Promise<string> {
  const npm = join(dir, 'npm');
  await writeFile(
    npm,
    `#!/bin/sh\necho "$@" >> ${dir}/calls\nmkdir -p ${dir}/src/package && echo binary > ${dir}/src/package/claude\n` +
      `tar -czf "$4/pkg-1.tgz" -C ${dir}/src package\necho pkg-1.tgz\n`,
  );
  await chmod(npm, 0o755);
  return npm;
}

describe('Claude Code for the agent image', () => {
  it('names the platform package of the host architecture, and refuses one without a Linux build', () => {
    expect(claudeCodePlatformPackage('x64')).toBe('@anthropic-ai/claude-code-linux-x64');
    expect(claudeCodePlatformPackage('arm64')).toBe('@anthropic-ai/claude-code-linux-arm64');
    expect(() => claudeCodePlatformPackage('ia32')).toThrow(expect.objectContaining({ code: 'claude_code_unsupported', hint: expect.stringContaining('--without-claude-code') }));
  });

  it('packs the pinned version once and keeps the binary in the cache', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ncl-cc-'));
    dirs.push(dir);
    const npm = await fakeNpm(dir);
    const first = await ensureClaudeCodeBinary({ cacheDir: join(dir, 'cache'), arch: 'x64', npm });
    expect(first).toBe(join(dir, 'cache', 'claude-code', `claude-code-linux-x64-${CLAUDE_CODE_VERSION}`, 'claude'));
    expect(await readFile(first, 'utf8')).toBe('binary\n');
    expect(await ensureClaudeCodeBinary({ cacheDir: join(dir, 'cache'), arch: 'x64', npm })).toBe(first);
    const calls = (await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toContain(`pack @anthropic-ai/claude-code-linux-x64@${CLAUDE_CODE_VERSION}`);
  });

  it('says what to do when the registry does not answer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ncl-cc-'));
    dirs.push(dir);
    await expect(ensureClaudeCodeBinary({ cacheDir: dir, arch: 'x64', npm: '/bin/false' })).rejects.toMatchObject({
      code: 'claude_code_unavailable',
      hint: expect.stringContaining('npm ping'),
    });
  });
});
