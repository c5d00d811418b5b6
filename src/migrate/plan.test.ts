import { describe, expect, it } from 'vitest';
import { parseEnvFile } from '../config/env-file.js';
import type { Secret } from '../vault/model/records.js';
import { KNOWN_SERVICES } from '../config/known-services.js';
import { buildPlan, type PlanOptions } from './plan.js';

function plan(text: string, existing: Secret[] | null = [], options: PlanOptions = {}) {
  return buildPlan({ doc: parseEnvFile(text), existing, options });
}

function secret(name: string, hostPattern: string, extra: Partial<Secret> = {}): Secret {
  return {
    id: `id-${name}`,
    name,
    type: 'generic',
    hostPattern,
    pathPattern: null,
    injectionConfig: { headerName: 'Authorization', valueFormat: 'Bearer {value}' },
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    lastUsedAt: null,
    ...extra,
  };
}

const reasons = (p: ReturnType<typeof plan>) => Object.fromEntries(p.stays.map((s) => [s.key, s.reason]));

describe('buildPlan: known services', () => {
  it('moves the Anthropic, OpenAI, GitHub, Gemini, OpenRouter and Parallel keys with the right injection', () => {
    const p = plan(
      'ANTHROPIC_API_KEY=sk-ant-a\nOPENAI_API_KEY=sk-o\nGITHUB_TOKEN=ghp_x\nGEMINI_API_KEY=AIza1\nOPENROUTER_API_KEY=sk-or\nPARALLEL_API_KEY=p1\n',
    );
    expect(p.questions).toEqual([]);
    expect(p.moves.map((m) => [m.key, m.secretName, m.type, m.hostPattern, m.injectionConfig, m.action])).toEqual([
      ['ANTHROPIC_API_KEY', 'ANTHROPIC_API_KEY', 'anthropic', 'api.anthropic.com', null, 'create'],
      ['OPENAI_API_KEY', 'OPENAI_API_KEY', 'openai', 'api.openai.com', null, 'create'],
      ['GITHUB_TOKEN', 'GITHUB_TOKEN', 'generic', '.github.com', { headerName: 'Authorization', valueFormat: 'Bearer {value}' }, 'create'],
      ['GEMINI_API_KEY', 'GEMINI_API_KEY', 'generic', 'generativelanguage.googleapis.com', { headerName: 'x-goog-api-key', valueFormat: '{value}' }, 'create'],
      ['OPENROUTER_API_KEY', 'OPENROUTER_API_KEY', 'generic', 'openrouter.ai', { headerName: 'Authorization', valueFormat: 'Bearer {value}' }, 'create'],
      ['PARALLEL_API_KEY', 'PARALLEL_API_KEY', 'generic', 'api.parallel.ai', { headerName: 'x-api-key', valueFormat: '{value}' }, 'create'],
    ]);
  });

  it('moves every key of the table (one at a time) to its service host without asking', () => {
    for (const service of KNOWN_SERVICES) {
      for (const key of service.keys ?? []) {
        const p = plan(`${key}=value-of-${key.toLowerCase()}\n`);
        expect(p.moves, key).toHaveLength(1);
        expect(p.moves[0], key).toMatchObject({ key, hostPattern: service.hostPattern, type: service.type, source: 'known' });
      }
    }
  });

  it('gives the ANTHROPIC_API_KEY precedence over an OAuth token with another value, and explains it', () => {
    const p = plan('CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-x\nANTHROPIC_API_KEY=sk-ant-api03-y\nANTHROPIC_AUTH_TOKEN=sk-ant-oat01-z\n');
    expect(p.moves.map((m) => m.key)).toEqual(['ANTHROPIC_API_KEY']);
    expect(reasons(p)).toEqual({ CLAUDE_CODE_OAUTH_TOKEN: 'superseded', ANTHROPIC_AUTH_TOKEN: 'superseded' });
    expect(p.stays[0]!.detail).toContain('ANTHROPIC_API_KEY');
    expect(p.stays[0]!.detail).toContain('--keep ANTHROPIC_API_KEY');
    // --keep on the winner hands the host to the next one in line.
    const next = plan('CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-x\nANTHROPIC_API_KEY=sk-ant-api03-y\n', [], { keep: ['ANTHROPIC_API_KEY'] });
    expect(next.moves.map((m) => m.key)).toEqual(['CLAUDE_CODE_OAUTH_TOKEN']);
    expect(reasons(next)).toEqual({ ANTHROPIC_API_KEY: 'kept' });
  });

  it('removes a second key holding the same value as an alias of the moved one', () => {
    const p = plan('GH_TOKEN=ghp_same\nGITHUB_TOKEN=ghp_same\n');
    expect(p.vaultMoves.map((m) => m.key)).toEqual(['GITHUB_TOKEN']);
    expect(p.moves.find((m) => m.key === 'GH_TOKEN')).toMatchObject({ action: 'alias', aliasOf: 'GITHUB_TOKEN', secretName: 'GITHUB_TOKEN' });
    expect(p.keysToRemove.sort()).toEqual(['GH_TOKEN', 'GITHUB_TOKEN']);
  });

  it('follows *_BASE_URL to another host; ANTHROPIC_AUTH_TOKEN becomes a Bearer secret there', () => {
    const p = plan('ANTHROPIC_BASE_URL=https://llm.corp.example:8443/anthropic\nANTHROPIC_AUTH_TOKEN=proxy-token-1\n');
    expect(p.moves).toEqual([
      expect.objectContaining({
        key: 'ANTHROPIC_AUTH_TOKEN',
        hostPattern: 'llm.corp.example',
        type: 'generic',
        injectionConfig: { headerName: 'Authorization', valueFormat: 'Bearer {value}' },
        source: 'base-url',
      }),
    ]);
    expect(reasons(p)).toEqual({ ANTHROPIC_BASE_URL: 'not-secret' });
    const same = plan('ANTHROPIC_BASE_URL=https://api.anthropic.com\nANTHROPIC_AUTH_TOKEN=sk-ant-oat01-q\n');
    expect(same.moves[0]).toMatchObject({ hostPattern: 'api.anthropic.com', type: 'anthropic', source: 'known' });
    const bad = plan('OPENAI_BASE_URL=not a url\nOPENAI_API_KEY=sk-o\n');
    expect(bad.moves).toEqual([]);
    expect(bad.questions).toEqual([expect.objectContaining({ kind: 'host', key: 'OPENAI_API_KEY', detail: expect.stringContaining('OPENAI_BASE_URL') })]);
  });
});

describe('buildPlan: what stays', () => {
  it('keeps vault and nanoclaw settings, channel tokens, settings, empty values, placeholders and multi-line values', () => {
    const p = plan(
      [
        'ONECLI_URL=http://127.0.0.1:10254',
        'ONECLI_API_KEY=oc_abc',
        'NANOCLAW_EGRESS_LOCKDOWN=true',
        'NANOCLAW_ONECLI_API_TOKEN=oc_remote',
        'TELEGRAM_BOT_TOKEN=123:abc',
        'SLACK_BOT_TOKEN=xoxb-1',
        'SLACK_APP_TOKEN=xapp-1',
        'DISCORD_BOT_TOKEN=d1',
        'ANTHROPIC_BASE_URL=https://api.anthropic.com',
        'LOG_LEVEL=info',
        'MAX_TOKENS=4096',
        'SECRETS_DIR=/var/secrets',
        'AUTH_URL=https://auth.example.com/login',
        'GITHUB_TOKEN=',
        'OPENAI_API_KEY=onecli-managed',
        'GROQ_API_KEY="line1\\nline2"',
        '',
      ].join('\n'),
    );
    expect(p.moves).toEqual([]);
    expect(p.questions).toEqual([]);
    expect(reasons(p)).toEqual({
      ONECLI_URL: 'vault-setting',
      ONECLI_API_KEY: 'vault-setting',
      NANOCLAW_EGRESS_LOCKDOWN: 'nanoclaw-setting',
      NANOCLAW_ONECLI_API_TOKEN: 'nanoclaw-setting',
      TELEGRAM_BOT_TOKEN: 'host-channel',
      SLACK_BOT_TOKEN: 'host-channel',
      SLACK_APP_TOKEN: 'host-channel',
      DISCORD_BOT_TOKEN: 'host-channel',
      ANTHROPIC_BASE_URL: 'not-secret',
      LOG_LEVEL: 'not-secret',
      MAX_TOKENS: 'not-secret',
      SECRETS_DIR: 'not-secret',
      AUTH_URL: 'not-secret',
      GITHUB_TOKEN: 'empty',
      OPENAI_API_KEY: 'placeholder',
      GROQ_API_KEY: 'unstorable',
    });
    expect(p.stays.find((s) => s.key === 'TELEGRAM_BOT_TOKEN')!.detail).toContain('Telegram channel in the host process');
  });

  it('keeps what --keep names, even a known key', () => {
    expect(reasons(plan('OPENAI_API_KEY=sk-o\n', [], { keep: ['OPENAI_API_KEY'] }))).toEqual({ OPENAI_API_KEY: 'kept' });
  });
});

describe('buildPlan: questions and --map', () => {
  it('asks about an unknown key that looks like a credential, by name or by value', () => {
    const p = plan('ACME_API_TOKEN=acme-123\nWEIRD=ghp_abcdef\nCOLOR=blue\n');
    expect(p.questions.map((q) => [q.kind, q.key])).toEqual([['host', 'ACME_API_TOKEN'], ['host', 'WEIRD']]);
    expect(reasons(p)).toEqual({ COLOR: 'not-secret' });
  });

  it('moves a mapped key as a Bearer secret, and a mapped known key keeps its type', () => {
    const p = plan('ACME_API_TOKEN=acme-123\nOPENAI_API_KEY=sk-o\n', [], { map: { ACME_API_TOKEN: 'api.acme.test', OPENAI_API_KEY: 'openai.proxy.test' } });
    expect(p.moves.map((m) => [m.key, m.hostPattern, m.type, m.source, m.service])).toEqual([
      ['ACME_API_TOKEN', 'api.acme.test', 'generic', 'map', 'custom'],
      ['OPENAI_API_KEY', 'openai.proxy.test', 'openai', 'map', 'OpenAI'],
    ]);
  });

  it('leaves unknown keys in .env with --yes (onUnknown: keep)', () => {
    const p = plan('ACME_API_TOKEN=acme-123\n', [], { onUnknown: 'keep' });
    expect(p.questions).toEqual([]);
    expect(p.stays[0]).toMatchObject({ key: 'ACME_API_TOKEN', reason: 'no-host', detail: expect.stringContaining('--map ACME_API_TOKEN=<host>') });
  });
});

describe('buildPlan: secrets already in the vault', () => {
  const env = 'OPENAI_API_KEY=sk-o\nANTHROPIC_API_KEY=sk-ant-a\n';
  const existing = [secret('OPENAI_API_KEY', 'api.openai.com', { type: 'openai' }), secret('Claude', 'api.anthropic.com', { type: 'anthropic' })];

  it('asks about a secret of the same name, or another secret for the same host', () => {
    const p = plan(env, existing);
    expect(p.moves).toEqual([]);
    expect(p.questions).toEqual([
      expect.objectContaining({ kind: 'conflict', key: 'OPENAI_API_KEY', existingName: 'OPENAI_API_KEY', sameName: true }),
      expect.objectContaining({ kind: 'conflict', key: 'ANTHROPIC_API_KEY', existingName: 'Claude', sameName: false }),
    ]);
  });

  it('rotates the existing secret with --overwrite, keeping its name', () => {
    const p = plan(env, existing, { onConflict: 'overwrite' });
    expect(p.moves.map((m) => [m.key, m.action, m.secretName, m.existingId])).toEqual([
      ['OPENAI_API_KEY', 'rotate', 'OPENAI_API_KEY', 'id-OPENAI_API_KEY'],
      ['ANTHROPIC_API_KEY', 'rotate', 'Claude', 'id-Claude'],
    ]);
  });

  it('leaves the key in .env with --skip; a per-key answer wins over the flag', () => {
    const p = plan(env, existing, { onConflict: 'skip', decisions: { ANTHROPIC_API_KEY: 'overwrite' } });
    expect(reasons(p)).toEqual({ OPENAI_API_KEY: 'conflict-skipped' });
    expect(p.moves.map((m) => m.key)).toEqual(['ANTHROPIC_API_KEY']);
  });

  it('does not count a path-scoped or wildcard secret as a clash', () => {
    const p = plan(env, [secret('scoped', 'api.openai.com', { pathPattern: '/v1/files/*' }), secret('wild', '*.anthropic.com')]);
    expect(p.questions).toEqual([]);
    expect(p.moves.map((m) => m.action)).toEqual(['create', 'create']);
  });

  it('resumes a secret that its journal says an interrupted run wrote, without asking', () => {
    const p = plan(env, existing, { resumable: { OPENAI_API_KEY: 'OPENAI_API_KEY', ANTHROPIC_API_KEY: 'Claude' } });
    expect(p.questions).toEqual([]);
    expect(p.moves.map((m) => [m.key, m.action, m.existingId])).toEqual([
      ['OPENAI_API_KEY', 'resume', 'id-OPENAI_API_KEY'],
      ['ANTHROPIC_API_KEY', 'resume', 'id-Claude'],
    ]);
    // A journal entry whose secret is gone means the create never happened: plan it again.
    expect(plan('GROQ_API_KEY=g1\n', [], { resumable: { GROQ_API_KEY: 'GROQ_API_KEY' } }).moves[0]!.action).toBe('create');
  });

  it('applies the same precedence against a winner already in the vault, so a re-run asks nothing', () => {
    const moved = [secret('ANTHROPIC_API_KEY', 'api.anthropic.com', { type: 'anthropic' })];
    for (const onConflict of ['ask', 'overwrite'] as const) {
      const p = plan('CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-x\n', moved, { onConflict });
      expect(p.questions).toEqual([]);
      expect(p.stays[0]).toMatchObject({ reason: 'superseded', detail: expect.stringContaining('"ANTHROPIC_API_KEY"') });
    }
    // The other way round the key in .env wins by rank, so replacing the vault's value is a real question.
    const p = plan('ANTHROPIC_API_KEY=sk-ant-api03-x\n', [secret('CLAUDE_CODE_OAUTH_TOKEN', 'api.anthropic.com', { type: 'anthropic' })]);
    expect(p.questions).toEqual([expect.objectContaining({ kind: 'conflict', existingName: 'CLAUDE_CODE_OAUTH_TOKEN' })]);
  });

  it('notes that clashes were not checked when the vault could not be asked', () => {
    const p = plan(env, null);
    expect(p.moves.map((m) => m.action)).toEqual(['create', 'create']);
    expect(p.notes.join('\n')).toContain('not asked');
  });
});

describe('MigrationPlan', () => {
  it('lists every line of a duplicated key, uses the value in effect, and keeps file order', () => {
    const p = plan('B_TOKEN=x\nGITHUB_TOKEN=old\nZ=1\nGITHUB_TOKEN=new\nOPENAI_API_KEY=sk\n', [], { onUnknown: 'keep' });
    expect(p.moves.map((m) => [m.key, m.lines])).toEqual([['GITHUB_TOKEN', [2, 4]], ['OPENAI_API_KEY', [5]]]);
    expect(p.stays.map((s) => s.key)).toEqual(['B_TOKEN', 'Z']);
  });

  it('describes itself with key names, hosts and lines, and never a value', () => {
    const values = ['sk-ant-api03-VALUE1', 'ghp_VALUE2', 'acme-VALUE3', 'xoxb-VALUE4', 'sk-ant-oat01-VALUE5', 'VALUE6'];
    const p = plan(
      `ANTHROPIC_API_KEY=${values[0]}\nGITHUB_TOKEN=${values[1]}\nACME_TOKEN=${values[2]}\nSLACK_BOT_TOKEN=${values[3]}\nCLAUDE_CODE_OAUTH_TOKEN=${values[4]}\nOPENAI_API_KEY=${values[5]}\n`,
      [secret('OPENAI_API_KEY', 'api.openai.com')],
    );
    const text = p.describe();
    expect(text).toContain('ANTHROPIC_API_KEY (line 1) → new secret "ANTHROPIC_API_KEY" for api.anthropic.com');
    expect(text).toContain('--map ACME_TOKEN=<host>');
    expect(text).toContain('--overwrite');
    expect(text).toMatch(/Stays in \.env \(2\)/);
    for (const out of [text, JSON.stringify(p)]) for (const v of values) expect(out).not.toContain(v);
  });
});
