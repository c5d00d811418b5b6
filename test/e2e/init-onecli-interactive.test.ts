import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import type { Prompter } from '../../src/cli/prompter.js';
import { runCli } from '../../src/cli/run-cli.js';
import { Logger, memorySink } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/redact.js';
import { startInitOnecliHarness, type InitOnecliHarness } from './init-onecli-harness.js';

// The questions of `ncl init-onecli`, answered through the prompter (the one wrapper tests replace),
// in-process against the same real `ncl vault serve` subprocess.

const hex = (n: number) => randomBytes(n).toString('hex');
const V = { acme: `acme-${hex(12)}`, openai: `sk-proj-${hex(16)}`, vaultOld: `old-${hex(12)}`, groq: `gsk_${hex(12)}` };
const ENV = `ACME_TOKEN=${V.acme}\nOPENAI_API_KEY=${V.openai}\nGROQ_API_KEY=${V.groq}\nLOG_LEVEL=info\n`;

let h: InitOnecliHarness;
beforeAll(async () => {
  h = await startInitOnecliHarness();
});
afterAll(async () => {
  await h?.dispose();
});

/** A prompter that answers from a script and records every question. */
function scripted(answers: (string | boolean)[]) {
  const asked: string[] = [];
  const next = (q: string) => {
    asked.push(q);
    if (answers.length === 0) throw new Error(`unexpected question: ${q}`);
    return answers.shift()!;
  };
  const prompter: Prompter = {
    interactive: true,
    secret: async (q) => String(next(q)),
    text: async (q) => String(next(q)),
    confirm: async (q) => Boolean(next(q)),
  };
  return { prompter, asked, left: () => answers.length };
}

async function run(cwd: string, script: ReturnType<typeof scripted>, args: string[] = []) {
  let out = '';
  let err = '';
  const stdout = new PassThrough().on('data', (d) => (out += d));
  const stderr = new PassThrough().on('data', (d) => (err += d));
  const redactor = new Redactor();
  const ctx: CliContext = {
    cwd,
    env: { ONECLI_URL: h.url, ONECLI_API_KEY: h.apiKey },
    stdin: Readable.from([]),
    stdout,
    stderr,
    logger: new Logger({ level: 'debug', sink: memorySink(), redactor }),
    prompter: script.prompter,
    version: '0.0.0-test',
  };
  const code = await runCli(ctx, ['init-onecli', ...args]);
  h.outputs.push(out, err, ...script.asked);
  return { code, out, err };
}

describe('ncl init-onecli in a terminal', () => {
  it('asks for unknown hosts (again after a bad answer), about clashes, then before it changes anything', async () => {
    const existing = await h.client.createSecret({ name: 'OPENAI_API_KEY', type: 'openai', value: V.vaultOld, hostPattern: 'api.openai.com' });
    const p = await h.project(ENV);
    const s = scripted(['not a host!', 'https://api.acme.test/v1', true, true]);
    const r = await run(p.dir, s);
    expect(r.code, r.err).toBe(0);
    expect(s.left()).toBe(0);
    expect(s.asked[0]).toContain('ACME_TOKEN (line 1)');
    expect(s.asked[1]).toBe(s.asked[0]);
    expect(r.err).toContain('"not a host!" is not a host name');
    expect(s.asked[2]).toContain('The vault already has a secret named "OPENAI_API_KEY"');
    expect(s.asked[3]).toBe('Move 3 key(s) into the vault and remove them from .env?');
    expect(r.out).toContain('ACME_TOKEN (line 1) → new secret "ACME_TOKEN" for api.acme.test (--map;');
    expect(r.out).toContain('OPENAI_API_KEY (line 2) → replaces the value of secret "OPENAI_API_KEY"');
    expect(await readFile(p.envFile, 'utf8')).toBe('LOG_LEVEL=info\n');
    const secrets = (await h.client.listSecrets()).data;
    expect(secrets.map((x) => x.name).sort()).toEqual(['ACME_TOKEN', 'GROQ_API_KEY', 'OPENAI_API_KEY']);
    expect(secrets.find((x) => x.name === 'OPENAI_API_KEY')!.id).toBe(existing.id);
    await h.deleteSecrets(['ACME_TOKEN', 'GROQ_API_KEY', 'OPENAI_API_KEY']);
  });

  it('an empty host keeps the key, "no" to a clash skips it, and "no" at the end changes nothing', async () => {
    await h.client.createSecret({ name: 'OPENAI_API_KEY', type: 'openai', value: V.vaultOld, hostPattern: 'api.openai.com' });
    const p = await h.project(ENV);
    const declined = await run(p.dir, scripted(['', false, false]));
    expect(declined.code, declined.err).toBe(0);
    expect(declined.out).toContain('Nothing changed.');
    expect(await readFile(p.envFile, 'utf8')).toBe(ENV);
    expect((await h.client.listSecrets()).data.map((x) => x.name)).toEqual(['OPENAI_API_KEY']);

    const accepted = await run(p.dir, scripted(['', false, true]));
    expect(accepted.code, accepted.err).toBe(0);
    expect(accepted.out).toMatch(/ACME_TOKEN: .*kept as you asked/);
    expect(accepted.out).toMatch(/OPENAI_API_KEY: the vault already has secret "OPENAI_API_KEY"; left in \.env/);
    expect(await readFile(p.envFile, 'utf8')).toBe(`ACME_TOKEN=${V.acme}\nOPENAI_API_KEY=${V.openai}\nLOG_LEVEL=info\n`);
    await h.deleteSecrets(['GROQ_API_KEY', 'OPENAI_API_KEY']);
  });

  it('asked nothing that holds a value, and printed none', () => {
    const all = h.outputs.join('\n');
    for (const v of Object.values(V)) expect(all).not.toContain(v);
  });
});
