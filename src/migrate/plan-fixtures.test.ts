import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEnvFile, removeEnvKeys, serializeEnvFile } from '../config/env-file.js';
import { buildPlan } from './plan.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/env/${name}`, import.meta.url), 'latin1');

// The plan for each `.env` fixture of test/fixtures/env (README there). Where both ANTHROPIC_API_KEY
// and GITHUB_TOKEN move, the rewritten file must equal the fixture's remove-keys golden byte for byte.
const EXPECTED: Record<string, { moves: string[]; stays: Record<string, string> }> = {
  'basic.env': {
    moves: ['ANTHROPIC_API_KEY', 'GITHUB_TOKEN'],
    stays: {
      ASSISTANT_NAME: 'not-secret',
      TELEGRAM_BOT_TOKEN: 'host-channel',
      LOG_LEVEL: 'not-secret',
      EMPTY: 'empty',
      HASH_IN_VALUE: 'not-secret',
      HASH_COMMENT: 'not-secret',
      URL: 'not-secret',
    },
  },
  'crlf.env': {
    moves: ['ANTHROPIC_API_KEY', 'GITHUB_TOKEN'],
    stays: { ONECLI_URL: 'vault-setting', ONECLI_API_KEY: 'vault-setting', one_lf_line: 'not-secret', SLACK_BOT_TOKEN: 'host-channel' },
  },
  'crlf-no-final-newline.env': { moves: ['ANTHROPIC_API_KEY', 'GITHUB_TOKEN'], stays: { NANOCLAW_EGRESS_LOCKDOWN: 'nanoclaw-setting' } },
  'duplicates.env': { moves: ['ANTHROPIC_API_KEY', 'GITHUB_TOKEN'], stays: { ONECLI_API_KEY: 'vault-setting', OTHER: 'not-secret' } },
  'export-and-spacing.env': {
    moves: ['ANTHROPIC_API_KEY', 'GITHUB_TOKEN'],
    stays: { ONECLI_URL: 'vault-setting', ONECLI_API_KEY: 'vault-setting', BACKTICK: 'not-secret', 'DOTTED.KEY-NAME': 'not-secret' },
  },
  'no-final-newline.env': { moves: ['ANTHROPIC_API_KEY', 'GITHUB_TOKEN'], stays: { DISCORD_BOT_TOKEN: 'host-channel' } },
  'edge-cases.env': {
    moves: [],
    stays: {
      A: 'not-secret',
      EMPTY_QUOTED: 'empty',
      COMMENT_ONLY: 'empty',
      SPACES_IN_VALUE: 'not-secret',
      GITHUB_TOKEN: 'empty',
      ANTHROPIC_API_KEY: 'empty',
      UNICODE: 'not-secret',
      ONECLI_API_KEY: 'vault-setting',
    },
  },
  'multiline.env': {
    moves: [],
    stays: { CA_PEM: 'not-secret', GITHUB_TOKEN: 'unstorable', ESCAPED: 'not-secret', ANTHROPIC_API_KEY: 'unstorable', AFTER: 'not-secret' },
  },
};

describe('migration plans of the .env fixtures', () => {
  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(name, () => {
      const text = fixture(name);
      const doc = parseEnvFile(text);
      const plan = buildPlan({ doc, existing: [], options: {} });
      expect(plan.questions).toEqual([]);
      expect(plan.moves.map((m) => m.key)).toEqual(expected.moves);
      expect(Object.fromEntries(plan.stays.map((s) => [s.key, s.reason]))).toEqual(expected.stays);
      removeEnvKeys(doc, plan.keysToRemove);
      const golden = expected.moves.length > 0 ? fixture(name.replace(/\.env$/, '.remove-keys.golden')) : text;
      expect(serializeEnvFile(doc)).toBe(golden);
      for (const e of parseEnvFile(text).entries()) if (e.value.length > 3) expect(plan.describe()).not.toContain(e.value);
    });
  }

  it('export-and-spacing.env: notes the line that is not an assignment, and keeps it', () => {
    const plan = buildPlan({ doc: parseEnvFile(fixture('export-and-spacing.env')), existing: [], options: {} });
    expect(plan.notes).toEqual([expect.stringContaining('line 5')]);
  });

  it('duplicates.env: lists both lines of each duplicated key', () => {
    const plan = buildPlan({ doc: parseEnvFile(fixture('duplicates.env')), existing: [], options: {} });
    expect(plan.moves.map((m) => m.lines)).toEqual([[1, 5], [4, 8]]);
  });
});
