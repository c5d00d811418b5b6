import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NanoclawError } from '../common/errors.js';
import { parseEnvFile } from './env-file.js';
import { isSecretVariable, loadProjectSettings, loadSettings } from './settings.js';

const load = (env: Record<string, string>, envFile = '') =>
  loadSettings({ env, envFileDoc: envFile === '' ? null : parseEnvFile(envFile) });

const messages = (r: { errors: { message: string }[] }) => r.errors.map((e) => e.message).join('\n');

describe('loadSettings', () => {
  it('fills the defaults', () => {
    const r = load({});
    expect(r.errors).toEqual([]);
    expect(r.settings).toMatchObject({
      egressLockdown: false,
      egressNetwork: 'nanoclaw-egress',
      gatewayContainer: 'onecli',
      nativeCredentials: false,
      vaultListen: { host: '127.0.0.1', port: 10254 },
      gatewayListen: { host: '127.0.0.1', port: 10255 },
      allowPrivate: [],
      extraCaCerts: [],
      gatewayTls: 'auto',
      logLevel: 'info',
    });
    expect(r.settings?.onecliUrl).toBeUndefined();
    expect(r.sources.egressLockdown).toBe('default');
  });

  it('reads the process environment first, then .env; an empty value counts as unset', () => {
    const file = 'ONECLI_URL=http://file:1/\nNANOCLAW_EGRESS_NETWORK=from-file\nNANOCLAW_EGRESS_LOCKDOWN=yes\nLOG_LEVEL=debug\n';
    const r = load({ ONECLI_URL: 'http://127.0.0.1:10254/', NANOCLAW_EGRESS_NETWORK: '', ONECLI_API_KEY: 'oc_x' }, file);
    expect(r.settings).toMatchObject({
      onecliUrl: 'http://127.0.0.1:10254',
      egressNetwork: 'from-file',
      egressLockdown: true,
      logLevel: 'debug',
    });
    expect(r.sources).toMatchObject({ onecliUrl: 'env', egressNetwork: 'envFile', egressLockdown: 'envFile', gatewayContainer: 'default' });
  });

  it('accepts true/false/1/0/yes/no in any case, and names the variable and value otherwise', () => {
    for (const [raw, value] of [['TRUE', true], ['1', true], ['Yes', true], ['false', false], ['0', false], ['NO', false]] as const) {
      expect(load({ NANOCLAW_NATIVE_CREDENTIALS: raw }).settings?.nativeCredentials).toBe(value);
    }
    const r = load({}, '# x\nNANOCLAW_EGRESS_LOCKDOWN=maybe\nONECLI_APIKEY=x\n');
    expect(r.settings).toBeNull();
    expect(r.warnings.map((w) => w.variable)).toEqual(['ONECLI_APIKEY']); // still reported next to errors
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]?.variable).toBe('NANOCLAW_EGRESS_LOCKDOWN');
    expect(messages(r)).toContain('NANOCLAW_EGRESS_LOCKDOWN (from .env line 2) has an invalid value "maybe": expected true/false');
  });

  it('never repeats the value of a secret-ish variable', () => {
    const r = load({ NANOCLAW_ONECLI_API_TOKEN: 'sekrit-token-value', NANOCLAW_ONECLI_API_HOST: 'https://vault.example' });
    expect(messages(r)).toContain('NANOCLAW_ONECLI_API_TOKEN (from the environment) has an invalid value: must start with oc_');
    expect(JSON.stringify(r)).not.toContain('sekrit');
    expect(load({ NANOCLAW_ONECLI_API_TOKEN: 'oc_abc', NANOCLAW_ONECLI_API_HOST: 'https://vault.example' }).settings?.remoteApiToken).toBe('oc_abc');
    expect(isSecretVariable('ONECLI_API_KEY')).toBe(true);
    expect(isSecretVariable('NANOCLAW_VAULT_KEY_FILE')).toBe(true);
    expect(isSecretVariable('NANOCLAW_EGRESS_LOCKDOWN')).toBe(false);
  });

  it('parses listen addresses, private allow lists and CA path lists', () => {
    const r = load({
      NANOCLAW_VAULT_LISTEN: '0.0.0.0:10254',
      NANOCLAW_GATEWAY_LISTEN: '[::1]:0',
      NANOCLAW_ALLOW_PRIVATE: 'Host.Docker.Internal:11434, ollama:11434,,[fd00::1]:80',
      NANOCLAW_EXTRA_CA_CERTS: '/a.pem:/b.pem, /c.pem',
    });
    expect(r.errors).toEqual([]);
    expect(r.settings?.vaultListen).toEqual({ host: '0.0.0.0', port: 10254 });
    expect(r.settings?.gatewayListen).toEqual({ host: '::1', port: 0 });
    expect(r.settings?.allowPrivate).toEqual(['host.docker.internal:11434', 'ollama:11434', '[fd00::1]:80']);
    expect(r.settings?.extraCaCerts).toEqual(['/a.pem', '/b.pem', '/c.pem']);
  });

  it('takes NANOCLAW_GATEWAY_TLS as auto, native or node, and names anything else', () => {
    expect(load({ NANOCLAW_GATEWAY_TLS: 'node' }).settings?.gatewayTls).toBe('node');
    const r = load({ NANOCLAW_GATEWAY_TLS: 'openssl' });
    expect(r.errors.map((e) => e.variable)).toEqual(['NANOCLAW_GATEWAY_TLS']);
    expect(messages(r)).toContain('expected auto, native or node');
  });

  it('reports every bad value at once', () => {
    const r = load({
      NANOCLAW_VAULT_LISTEN: '10254',
      NANOCLAW_ALLOW_PRIVATE: 'ollama',
      ONECLI_URL: 'ftp://x',
      NANOCLAW_EGRESS_NETWORK: '-bad name',
    });
    expect(r.errors.map((e) => e.variable).sort()).toEqual(
      ['NANOCLAW_ALLOW_PRIVATE', 'NANOCLAW_EGRESS_NETWORK', 'NANOCLAW_VAULT_LISTEN', 'ONECLI_URL'],
    );
    expect(messages(r)).toContain('expected host:port');
    expect(messages(r)).toContain('expected an http:// or https:// URL');
  });

  it('applies cross-field rules and warns about likely typos and bad .env lines', () => {
    const clash = load({ NANOCLAW_VAULT_LISTEN: '127.0.0.1:9000', NANOCLAW_GATEWAY_LISTEN: '127.0.0.1:9000' });
    expect(clash.settings).toBeNull();
    expect(messages(clash)).toContain('need different ports');
    const r = load({ ONECLI_URL: 'http://127.0.0.1:10254', LOG_LEVEL: 'verbose' }, 'NANOCLAW_EGRES_LOCKDOWN=true\nnot an assignment\n');
    expect(r.settings?.logLevel).toBe('info');
    const warnings = r.warnings.map((w) => w.message).join('\n');
    expect(warnings).toContain('LOG_LEVEL (from the environment) has an invalid value "verbose"');
    expect(warnings).toContain('without ONECLI_API_KEY');
    expect(warnings).toContain('NANOCLAW_EGRES_LOCKDOWN is not a setting nanoclaw reads; did you mean NANOCLAW_EGRESS_LOCKDOWN?');
    expect(warnings).toContain('.env line 2: not a KEY=value assignment');
    const orphan = load({ NANOCLAW_ONECLI_GATEWAY: 'vault.example:10255' });
    expect(orphan.warnings.map((w) => w.variable)).toEqual(['NANOCLAW_ONECLI_GATEWAY']);
    expect(load({ NANOCLAW_ONECLI_GATEWAY: 'vault.example:10255', NANOCLAW_ONECLI_API_HOST: 'https://vault.example', NANOCLAW_ONECLI_API_TOKEN: 'oc_x' }).warnings).toEqual([]);
  });
});

describe('loadProjectSettings', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ncl-settings-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads <cwd>/.env under the environment', async () => {
    await writeFile(join(dir, '.env'), 'ONECLI_GATEWAY_CONTAINER=from-file\nNANOCLAW_NATIVE_CREDENTIALS=1\n');
    const r = await loadProjectSettings({ cwd: dir, env: { NANOCLAW_NATIVE_CREDENTIALS: 'no' } });
    expect(r.settings.gatewayContainer).toBe('from-file');
    expect(r.settings.nativeCredentials).toBe(false);
    expect((await loadProjectSettings({ cwd: join(dir, 'absent'), env: {} })).settings.gatewayContainer).toBe('onecli');
  });

  it('throws bad_settings with a hint naming the file, never the secret', async () => {
    await writeFile(join(dir, '.env'), 'NANOCLAW_ONECLI_API_TOKEN=sekrit\nNANOCLAW_ONECLI_API_HOST=https://v.example\n');
    const err = await loadProjectSettings({ cwd: dir, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NanoclawError);
    expect(err).toMatchObject({ code: 'bad_settings', hint: expect.stringContaining(join(dir, '.env')) });
    expect((err as Error).message).toContain('NANOCLAW_ONECLI_API_TOKEN (from .env line 1)');
    expect(JSON.stringify({ m: (err as Error).message, h: (err as NanoclawError).hint })).not.toContain('sekrit');
  });
});
