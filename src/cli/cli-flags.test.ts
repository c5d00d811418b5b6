import { describe, expect, it } from 'vitest';
import { UsageError } from '../common/errors.js';
import { parseIdList } from './agents-command.js';
import { parseListen } from './listen-address.js';
import { OAuthValueSchema } from '../vault/oauth/oauth-value.js';
import type { CliContext } from './context.js';
import { injectionFromFlags, secretsCommand } from './secrets-command.js';

describe('CLI flag parsing', () => {
  it('builds injection configs from OneCLI flags and refuses mixes', () => {
    expect(injectionFromFlags({ headerName: 'X-Api-Key' })).toEqual({ headerName: 'X-Api-Key' });
    expect(injectionFromFlags({ headerName: 'Authorization', valueFormat: 'Bearer {value}' })).toEqual({
      headerName: 'Authorization',
      valueFormat: 'Bearer {value}',
    });
    expect(injectionFromFlags({ paramName: 'key' })).toEqual({ paramName: 'key' });
    expect(injectionFromFlags({})).toBeUndefined();
    expect(() => injectionFromFlags({ headerName: 'a', paramName: 'b' })).toThrow(UsageError);
    expect(() => injectionFromFlags({ valueFormat: 'Bearer {value}' })).toThrow(/--header-name/);
  });

  it('splits secret id lists', () => {
    expect(parseIdList('a, b,c')).toEqual(['a', 'b', 'c']);
    expect(parseIdList('')).toEqual([]);
    expect(() => parseIdList('a,a')).toThrow(UsageError);
  });

  it('parses listen addresses', () => {
    expect(parseListen('127.0.0.1:10254', '--x')).toEqual({ host: '127.0.0.1', port: 10254 });
    expect(parseListen('[::1]:0', '--x')).toEqual({ host: '::1', port: 0 });
    expect(parseListen(':8080', '--x')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(() => parseListen('localhost', '--x')).toThrow(/--x/);
    expect(() => parseListen('h:99999', '--x')).toThrow(UsageError);
  });
});

describe('secrets create --help', () => {
  it('says what value an oauth2 secret takes (every field of its JSON) and that a honeytoken takes none', () => {
    const create = secretsCommand({} as CliContext).commands.find((c) => c.name() === 'create')!;
    let help = '';
    create.configureOutput({ writeOut: (s) => (help += s) }).outputHelp();
    expect(help).toMatch(/oauth2\s+a JSON document/);
    for (const field of Object.keys(OAuthValueSchema.shape)) expect(help).toContain(field);
    expect(help).toMatch(/honeytoken\s+none/);
  });
});
