import { describe, expect, it } from 'vitest';
import { UsageError } from '../common/errors.js';
import { parseHostInput, parseMapFlags } from './map-flag.js';

describe('--map KEY=host', () => {
  it('accepts hosts, wildcards and URLs, normalised', () => {
    expect(parseMapFlags(['ACME_TOKEN=API.Acme.test', 'B_KEY=*.b.test', 'C_KEY=https://c.test:8443/v1/x', 'D_KEY = d.test '])).toEqual({
      ACME_TOKEN: 'api.acme.test',
      B_KEY: '*.b.test',
      C_KEY: 'c.test',
      D_KEY: 'd.test',
    });
    expect(parseHostInput('  api.example.com ')).toBe('api.example.com');
    expect(parseHostInput('api.example.com/v1')).toBeUndefined();
  });

  it('refuses malformed flags, bad hosts, duplicates and keys that always stay', () => {
    for (const bad of [['NOEQUALS'], ['=host.test'], ['K=not a host'], ['K=host.test:443'], ['K=a.test', 'K=b.test']]) {
      expect(() => parseMapFlags(bad), bad.join(' ')).toThrow(UsageError);
    }
    expect(() => parseMapFlags(['TELEGRAM_BOT_TOKEN=api.telegram.org'])).toThrow(/always stays in \.env.*Telegram/);
    expect(() => parseMapFlags(['ONECLI_API_KEY=x.test'])).toThrow(/always stays/);
  });
});
