import { describe, expect, it } from 'vitest';
import { looksSecret, protectedReason, unstorableReason } from './classify-key.js';

describe('classify-key', () => {
  it('protects vault settings, nanoclaw settings and host-process channel tokens', () => {
    expect(protectedReason('ONECLI_API_KEY')?.reason).toBe('vault-setting');
    expect(protectedReason('NANOCLAW_ONECLI_API_TOKEN')?.reason).toBe('nanoclaw-setting');
    for (const key of ['TELEGRAM_BOT_TOKEN', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'DISCORD_BOT_TOKEN', 'WHATSAPP_TOKEN', 'MATRIX_ACCESS_TOKEN']) {
      expect(protectedReason(key)?.reason, key).toBe('host-channel');
    }
    expect(protectedReason('OPENAI_API_KEY')).toBeUndefined();
    expect(protectedReason('MY_SLACK_TOKEN')).toBeUndefined();
  });

  it('tells credentials from settings by name and by value', () => {
    const secret = [
      ['ACME_KEY', 'abc123def'],
      ['ACME_API_KEY', 'x-1'],
      ['MYAPIKEY', 'abc'],
      ['GITHUBTOKEN', 'abc'],
      ['DB_PASSWORD', 'hunter2'],
      ['DB_PASS', 'hunter2'],
      ['CLIENT_SECRET_ID', 'abc'],
      ['SOMETHING', 'sk-proj-abc'],
      ['SOMETHING', 'ghp_abcdef'],
      ['SOMETHING', 'AIzaSyAbc'],
    ];
    const setting = [
      ['LOG_LEVEL', 'info'],
      ['MAX_TOKENS', '4096'],
      ['KEY_NAME', 'main'],
      ['AUTH_MODE', 'oauth'],
      ['TOKENIZER', 'gpt2'],
      ['API_KEY_ENABLED', 'true'],
      ['GITHUB_TOKEN_FILE', '/run/secrets/gh'],
      ['AUTH_TOKEN_URL', 'https://auth.example.com/token'],
      ['DOTTED.KEY-NAME', 'ok'],
    ];
    for (const [k, v] of secret) expect(looksSecret(k!, v!), `${k}`).toBe(true);
    for (const [k, v] of setting) expect(looksSecret(k!, v!), `${k}`).toBe(false);
    // A URL carrying credentials is not "a plain URL".
    expect(looksSecret('DATABASE_PASSWORD', 'postgres://u:p@db/x')).toBe(true);
  });

  it('says why a value cannot be stored', () => {
    expect(unstorableReason('a\nb')).toContain('several lines');
    expect(unstorableReason('a\r')).toContain('several lines');
    expect(unstorableReason('a\0b')).toContain('NUL');
    expect(unstorableReason('x'.repeat(65_537))).toContain('64 KiB');
    expect(unstorableReason('sk-ant-fine')).toBeUndefined();
  });
});
