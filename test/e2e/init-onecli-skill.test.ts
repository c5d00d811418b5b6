import { readFile } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/program.js';
import { terminalPrompter } from '../../src/cli/prompter.js';
import { Logger, memorySink } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/redact.js';

// The /init-onecli skill drives the CLI through its flags, so a renamed flag must fail here, not in a user's session.

const SKILL = new URL('../../templates/skills/init-onecli/SKILL.md', import.meta.url);

async function cliFlags(): Promise<Set<string>> {
  const out = new PassThrough();
  const program = await buildProgram({
    cwd: '/nonexistent',
    env: {},
    stdin: Readable.from([]),
    stdout: out,
    stderr: out,
    logger: new Logger({ level: 'silent', sink: memorySink(), redactor: new Redactor() }),
    prompter: terminalPrompter(() => Readable.from([]), out),
    version: '0.0.0-test',
  });
  const cmd = program.commands.find((c) => c.name() === 'init-onecli');
  return new Set(cmd?.options.map((o) => o.long ?? '') ?? []);
}

describe('templates/skills/init-onecli/SKILL.md', () => {
  it('has the frontmatter Claude Code reads', async () => {
    const text = await readFile(SKILL, 'utf8');
    const match = /^---\n([\s\S]*?)\n---\n/.exec(text);
    expect(match).not.toBeNull();
    const meta = parse(match![1]!) as Record<string, unknown>;
    expect(meta.name).toBe('init-onecli');
    expect(typeof meta.description).toBe('string');
    expect((meta.description as string).length).toBeGreaterThan(40);
  });

  it('walks through dry run, questions, run and verification with flags the CLI has', async () => {
    const text = await readFile(SKILL, 'utf8');
    const order = ['ncl init-onecli --dry-run', 'ncl init-onecli --yes', 'ncl secrets list'].map((s) => text.indexOf(s));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toMatch(/never print/i);
    const flags = await cliFlags();
    expect(flags.size).toBeGreaterThan(5);
    const mentioned = new Set([...text.matchAll(/`(?:ncl init-onecli [^`]*?)?(--[a-z-]+)/g)].map((m) => m[1]!));
    for (const flag of ['--dry-run', '--yes', '--map', '--keep', '--overwrite', '--skip']) expect(mentioned).toContain(flag);
    for (const flag of mentioned) expect(flags, `${flag} is not an option of ncl init-onecli`).toContain(flag);
  });
});
