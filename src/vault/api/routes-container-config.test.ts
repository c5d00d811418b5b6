import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../../common/logger.js';
import { Redactor } from '../../common/redact.js';
import { createCa } from '../ca/ca.js';
import { openStore } from '../store/store.js';
import type { VaultStore } from '../store/types.js';
import { rotateApiKey } from './api-key.js';
import { startApiServer, type StartedApi } from './api-server.js';
import { proxyUrl } from './routes-container-config.js';
import { ContainerConfigSchema } from './schemas.js';

const OAUTH = `sk-ant-oat01-${randomBytes(16).toString('hex')}`;
const API_KEY = `sk-ant-api03-${randomBytes(16).toString('hex')}`;
const GITHUB = `ghp_${randomBytes(16).toString('hex')}`;
const GMAIL = `ya29.${randomBytes(16).toString('hex')}`;

let dir: string;
let store: VaultStore;
let api: StartedApi;
let caPem: string;
const texts: string[] = [];

async function raw(path: string, key: string | null) {
  const res = await fetch(api.url + path, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const text = await res.text();
  texts.push(text);
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
}

let apiKey: string;
/** What the typed client does: GET and parse with the shared schema. */
const client = {
  async containerConfig(agent: string) {
    const { status, json } = await raw(`/v1/container-config?agent=${encodeURIComponent(agent)}`, apiKey);
    if (status !== 200) throw Object.assign(new Error(String(json.message)), { code: json.code });
    return ContainerConfigSchema.parse(json);
  },
};
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-cc-'));
  const logger = new Logger({ level: 'silent', sink: memorySink(), redactor: new Redactor() });
  store = openStore({ path: join(dir, 'vault.db'), masterKey: randomBytes(32), redactor: logger.redactor });
  caPem = createCa({ commonName: 'test vault CA' }).certPem;
  apiKey = rotateApiKey(store);
  api = await startApiServer({ store, logger, version: '0.0.0-test', caPem: () => caPem, port: 0, containerGatewayUrl: 'http://gateway:10255' });
  const oauth = store.secrets.create({ name: 'claude', type: 'anthropic', value: OAUTH, hostPattern: 'api.anthropic.com' });
  const key = store.secrets.create({ name: 'claude-key', type: 'anthropic', value: API_KEY, hostPattern: 'api.anthropic.com' });
  const gh = store.secrets.create({ name: 'gh', type: 'generic', value: GITHUB, hostPattern: 'api.github.com', injectionConfig: { headerName: 'Authorization', valueFormat: 'Bearer {value}' } });
  const gmail = store.secrets.create({ name: 'gmail', type: 'generic', value: GMAIL, hostPattern: 'gmail.googleapis.com', injectionConfig: { headerName: 'Authorization', valueFormat: 'Bearer {value}' } });
  const a = store.agents.create({ name: 'A', identifier: 'group-a', secretMode: 'selective' }).agent;
  store.agents.setSecretIds(a.id, [oauth.id, gh.id, gmail.id]);
  const b = store.agents.create({ name: 'B', identifier: 'group-b', secretMode: 'selective' }).agent;
  store.agents.setSecretIds(b.id, [key.id]);
  store.agents.create({ name: 'C', identifier: 'group-c', secretMode: 'selective' });
});

afterAll(async () => {
  await api.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  for (const v of [OAUTH, API_KEY, GITHUB, GMAIL]) expect(texts.join('\n')).not.toContain(v);
});

function tokenOf(proxy: string | undefined): string {
  return decodeURIComponent(new URL(proxy ?? '').password);
}

describe('GET /v1/container-config', () => {
  it('returns the OneCLI env shape with a fresh token in every proxy variable', async () => {
    const cfg = await client.containerConfig('group-a');
    const token = tokenOf(cfg.env.HTTPS_PROXY);
    expect(token).toMatch(/^aoc_[0-9a-f]{64}$/);
    const { OPENAI_API_KEY, GH_TOKEN, GITHUB_TOKEN, ...env } = cfg.env;
    expect([OPENAI_API_KEY, GH_TOKEN, GITHUB_TOKEN]).toEqual(['onecli-managed', 'onecli-managed', 'onecli-managed']);
    expect(env).toMatchObject({
      HTTPS_PROXY: `http://x:${token}@gateway:10255`,
      HTTP_PROXY: `http://x:${token}@gateway:10255`,
      https_proxy: `http://x:${token}@gateway:10255`,
      http_proxy: `http://x:${token}@gateway:10255`,
      NODE_EXTRA_CA_CERTS: '/etc/nanoclaw/vault-ca.pem',
      NODE_USE_ENV_PROXY: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_HTTP_PROXY_AUTHMETHOD: 'basic',
      CLAUDE_CODE_OAUTH_TOKEN: 'onecli-managed',
    });
    // The OAuth variable replaces the API-key one: Claude Code then speaks OAuth.
    expect(env).not.toHaveProperty('ANTHROPIC_API_KEY');
    expect(cfg.caCertificate).toBe(caPem);
    expect(cfg.caCertificateContainerPath).toBe('/etc/nanoclaw/vault-ca.pem');
    expect(cfg.gatewayHost).toBe('gateway:10255');
    expect(cfg.stubs.sort()).toEqual(['git', 'github', 'gmail']);
    expect(store.agents.findByToken(token)?.identifier).toBe('group-a');
  });

  it('mints a new token on each call and the previous one stops working', async () => {
    const first = tokenOf((await client.containerConfig('group-a')).env.HTTPS_PROXY);
    const second = tokenOf((await client.containerConfig('group-a')).env.HTTPS_PROXY);
    expect(second).not.toBe(first);
    expect(store.agents.findByToken(first)).toBeNull();
    expect(store.agents.findByToken(second)?.identifier).toBe('group-a');
  });

  it('uses ANTHROPIC_API_KEY for a plain API key', async () => {
    const b = await client.containerConfig('group-b');
    expect(b.env.ANTHROPIC_API_KEY).toBe('onecli-managed');
    expect(b.env).not.toHaveProperty('CLAUDE_CODE_OAUTH_TOKEN');
  });

  it('gives every known client its placeholder and git its stub without a grant, and no granted-only stub', async () => {
    const c = await client.containerConfig('group-c');
    for (const name of ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GH_TOKEN', 'GITHUB_TOKEN', 'GITLAB_TOKEN', 'GEMINI_API_KEY', 'OPENROUTER_API_KEY']) {
      expect(c.env[name], name).toBe('onecli-managed');
    }
    // Clients that would send it to a host the gateway does not intercept get none.
    expect(c.env).not.toHaveProperty('HF_TOKEN');
    expect(c.env).not.toHaveProperty('CLAUDE_CODE_OAUTH_TOKEN');
    expect(c.stubs).toEqual(['git']);
  });

  it('answers 404 for an unknown agent, 400 without ?agent and 401 without the API key', async () => {
    expect((await raw('/v1/container-config?agent=nobody', apiKey)).status).toBe(404);
    const missing = await raw('/v1/container-config', apiKey);
    expect(missing.status).toBe(400);
    expect(missing.json.field).toBe('agent');
    expect((await raw('/v1/container-config?agent=group-a', null)).status).toBe(401);
    await expect(client.containerConfig('nobody')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('proxyUrl', () => {
  it('puts the token in the password and keeps host and port', () => {
    expect(proxyUrl('http://onecli:10255', 'aoc_1')).toBe('http://x:aoc_1@onecli:10255');
    expect(proxyUrl('http://gateway:10255/', 'aoc_2')).toBe('http://x:aoc_2@gateway:10255');
  });
});
