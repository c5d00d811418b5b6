import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultStubTemplatesDir, writeStubs } from './stubs.js';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'ncl-stubs-'));
});
afterEach(() => rm(home, { recursive: true, force: true }));

describe('writeStubs', () => {
  it('writes the gmail stub with the placeholder, files 600 and dirs 700', async () => {
    const report = await writeStubs({ names: ['gmail'], homeDir: home });
    expect(report.written).toContain('.gmail-mcp/credentials.json');
    const creds = JSON.parse(await readFile(join(home, '.gmail-mcp', 'credentials.json'), 'utf8'));
    expect(creds.access_token).toBe('onecli-managed');
    expect(creds.refresh_token).toBe('onecli-managed');
    expect((await stat(join(home, '.gmail-mcp', 'credentials.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, '.gmail-mcp'))).mode & 0o777).toBe(0o700);
  });

  it('every shipped template holds the placeholder in each file', async () => {
    const report = await writeStubs({ names: ['gmail', 'gcal', 'github'], homeDir: home });
    expect(report.written.length).toBeGreaterThanOrEqual(5);
    for (const rel of report.written) expect(await readFile(join(home, rel), 'utf8')).toContain('onecli-managed');
  });

  it('leaves a file with real credentials untouched and reports it, but refreshes a placeholder file', async () => {
    await mkdir(join(home, '.gmail-mcp'));
    const real = '{"access_token":"ya29.real-looking-value"}';
    await writeFile(join(home, '.gmail-mcp', 'credentials.json'), real, { mode: 0o644 });
    await writeFile(join(home, '.gmail-mcp', 'gcp-oauth.keys.json'), '{"client_id":"onecli-managed","stale":true}');
    const report = await writeStubs({ names: ['gmail'], homeDir: home });
    expect(report.kept).toEqual(['.gmail-mcp/credentials.json']);
    expect(report.written).toEqual(['.gmail-mcp/gcp-oauth.keys.json']);
    expect(await readFile(join(home, '.gmail-mcp', 'credentials.json'), 'utf8')).toBe(real);
    expect((await stat(join(home, '.gmail-mcp', 'credentials.json'))).mode & 0o777).toBe(0o644);
    expect(await readFile(join(home, '.gmail-mcp', 'gcp-oauth.keys.json'), 'utf8')).not.toContain('stale');
  });

  it('leaves a stub already in place as it is, and writes it again when its mode changed', async () => {
    const file = join(home, '.gmail-mcp', 'credentials.json');
    await writeStubs({ names: ['gmail'], homeDir: home });
    const first = await stat(file);
    const again = await writeStubs({ names: ['gmail'], homeDir: home });
    expect(again.written).toContain('.gmail-mcp/credentials.json');
    expect((await stat(file)).ino).toBe(first.ino);
    await chmod(file, 0o644);
    await writeStubs({ names: ['gmail'], homeDir: home });
    const rewritten = await stat(file);
    expect(rewritten.ino).not.toBe(first.ino);
    expect(rewritten.mode & 0o777).toBe(0o600);
  });

  it('never writes through a symlink the agent planted in its home', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'ncl-outside-'));
    try {
      await symlink(outside, join(home, '.gmail-mcp'));
      await mkdir(join(home, '.config', 'gh'), { recursive: true });
      await symlink(join(outside, 'victim'), join(home, '.config', 'gh', 'hosts.yml'));
      const report = await writeStubs({ names: ['gmail', 'github'], homeDir: home });
      expect(report.skipped.sort()).toEqual(['.config/gh/hosts.yml', '.gmail-mcp/credentials.json', '.gmail-mcp/gcp-oauth.keys.json']);
      await expect(readFile(join(outside, 'credentials.json'))).rejects.toThrow();
      await expect(readFile(join(outside, 'victim'))).rejects.toThrow();
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('names the available templates when one is unknown', async () => {
    await expect(writeStubs({ names: ['gmial'], homeDir: home })).rejects.toMatchObject({
      code: 'unknown_stub',
      message: expect.stringContaining('gmail'),
    });
  });

  it('finds the package templates from the module location', () => {
    expect(defaultStubTemplatesDir()).toMatch(/templates[/\\]stubs$/);
  });
});
