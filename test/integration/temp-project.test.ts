import { execFile } from 'node:child_process';
import { access, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, makeTempProject } from '../support/temp-project.js';

const run = promisify(execFile);

describe('isolatedEnv (pure)', () => {
  it('drops product settings and credentials, keeps the rest and the test run id', () => {
    const env = isolatedEnv(
      {
        PATH: '/bin',
        HOME: '/root',
        ONECLI_URL: 'http://x',
        ONECLI_API_KEY: 'oc_abc',
        NANOCLAW_EGRESS_LOCKDOWN: 'true',
        NANOCLAW_TEST_RUN_ID: 'run-1',
        ANTHROPIC_API_KEY: 'sk-ant-x',
        XDG_CONFIG_HOME: '/root/.config',
        DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x',
      },
      '/tmp/h',
    );
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/tmp/h',
      NANOCLAW_TEST_RUN_ID: 'run-1',
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x',
    });
  });
});

describe('makeTempProject', () => {
  it('gives a project with .env, a private HOME seen by subprocesses, and removes it all', async () => {
    let root = '';
    {
      await using project = await makeTempProject({ env: 'FOO=bar\n' });
      root = join(project.dir, '..');
      expect(await readFile(project.envFile, 'utf8')).toBe('FOO=bar\n');
      expect((await stat(project.envFile)).mode & 0o777).toBe(0o600);
      expect(project.home).not.toBe(process.env.HOME);
      const { stdout } = await run('sh', ['-c', 'echo "$HOME|${ONECLI_URL-unset}"'], {
        env: { ...project.env },
        cwd: project.dir,
      });
      expect(stdout.trim()).toBe(`${project.home}|unset`);
      await writeFile(join(project.home, 'x'), 'y');
    }
    await expect(access(root)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes no .env unless asked', async () => {
    await using project = await makeTempProject();
    await expect(access(project.envFile)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
