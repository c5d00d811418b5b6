import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../src/config/env-file.js';
import type { TempProject } from '../support/temp-project.js';
import { CLI } from './cli-run.js';
import { startInitOnecliHarness, type InitOnecliHarness } from './init-onecli-harness.js';
import { fakeClaudeDir, SetupHarness } from './setup-harness.js';

// One full interactive run of the wizard on a pseudo-terminal (util-linux `script`), answered
// by writing to its stdin once each question shows: reuse the working vault it finds, leave
// lockdown off, and connect Claude through (a fake) `claude setup-token`.

const OAUTH = `sk-ant-oat01-${randomBytes(24).toString('hex')}`;
const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

interface PtyRun {
  code: number;
  output: string;
  asked: string[];
}

/** Runs `ncl <args>` on a PTY; each [question, answer] pair is answered when the question appears. */
function onPty(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; script: [RegExp, string][]; timeoutMs?: number }): Promise<PtyRun> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, CLI, ...args].map(sh).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: opts.cwd, env: { ...opts.env, TERM: 'dumb', COLUMNS: '200' }, stdio: 'pipe' });
    let output = '';
    let from = 0;
    const asked: string[] = [];
    const pending = [...opts.script];
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the wizard did not finish; still waiting for ${pending[0]?.[0] ?? 'exit'}; output:\n${output}`));
    }, opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString('utf8');
      const next = pending[0];
      if (next && next[0].test(output.slice(from))) {
        pending.shift();
        asked.push(String(next[0]));
        from = output.length;
        child.stdin.write(next[1] + '\r');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output, asked });
    });
  });
}

let h: SetupHarness;
let vault: InitOnecliHarness;
let p: TempProject;

beforeAll(async () => {
  h = await SetupHarness.start();
  vault = await startInitOnecliHarness();
  p = await h.project(`ONECLI_URL=${vault.url}\nONECLI_API_KEY=${vault.apiKey}\n`);
}, 600_000);

afterAll(async () => {
  await vault?.dispose();
  await h?.[Symbol.asyncDispose]();
});

describe('ncl setup on a terminal', () => {
  it('asks its questions, runs claude setup-token on a PTY, and never shows the token', async () => {
    const bin = await fakeClaudeDir(p.home, OAUTH);
    const before = await h.readEnv(p);
    const run = await onPty(['setup', '--group', 'pty-main'], {
      cwd: p.dir,
      env: { ...p.env, ...h.settings(), PATH: `${bin}:${process.env.PATH}` },
      script: [
        [/working vault answers at .*Keep using it.*\[Y\/n\]/s, 'y'],
        [/Turn on egress lockdown.*\[y\/N\]/s, 'n'],
        [/3\) run claude setup-token.*Choice \[1\]/s, '3'],
      ],
    });
    expect(run.code, run.output).toBe(0);
    expect(run.asked).toHaveLength(3);
    expect(run.output).toContain('Opening your browser to sign in');
    expect(run.output).toContain('[token captured, not shown]');
    expect(run.output).toContain('nanoclaw is set up.');
    expect(run.output).toMatch(/Vault: +http:\/\/127\.0\.0\.1:\d+, existing vault reused/);
    expect(run.output).toContain('ncl launch pty-main');
    expect(run.output).not.toContain(OAUTH);
    expect(run.output).not.toContain(vault.apiKey);

    const secret = (await vault.client.listSecrets()).data.find((s) => s.type === 'anthropic');
    expect(secret).toMatchObject({ name: 'Anthropic', hostPattern: 'api.anthropic.com' });
    const agent = await vault.client.getAgent('pty-main');
    expect((await vault.client.getAgentSecrets(agent.id)).data).toEqual([secret!.id]);
    const doc = parseEnvFile(await h.readEnv(p));
    expect(doc.get('ONECLI_URL')).toBe(vault.url);
    expect(doc.get('ONECLI_API_KEY')).toBe(vault.apiKey);
    expect(doc.get('NANOCLAW_EGRESS_LOCKDOWN')).toBeUndefined();
    expect(await h.readEnv(p)).toBe(before);
  });

  it('a second run on the terminal asks nothing: every step is already done', async () => {
    const run = await onPty(['setup', '--group', 'pty-main'], { cwd: p.dir, env: { ...p.env, ...h.settings() }, script: [] });
    expect(run.code, run.output).toBe(0);
    expect(run.output).not.toMatch(/\[Y\/n\]|\[y\/N\]|Choice/);
    expect(run.output).toMatch(/Vault: already done/);
  });
});
