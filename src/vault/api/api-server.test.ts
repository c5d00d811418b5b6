import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../../common/logger.js';
import { Redactor } from '../../common/redact.js';
import { openStore } from '../store/store.js';
import type { VaultStore } from '../store/types.js';
import { rotateApiKey } from './api-key.js';
import { startApiServer, type StartedApi } from './api-server.js';

const SECRET_VALUE = `ghp_${randomBytes(18).toString('hex')}`;
const ROTATED_VALUE = `rotated-${randomBytes(12).toString('hex')}`;

let dir: string;
let store: VaultStore;
let api: StartedApi;
let key: string;
const sink = memorySink();
const seen: string[] = [];

async function call(method: string, path: string, body?: unknown, auth: string | null = key) {
  const headers: Record<string, string> = {};
  if (auth !== null) headers.authorization = `Bearer ${auth}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(api.url + path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  seen.push(text, JSON.stringify([...res.headers]));
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* PEM or empty */
  }
  return { status: res.status, json, text, headers: res.headers };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-api-'));
  const logger = new Logger({ level: 'debug', sink, redactor: new Redactor() });
  store = openStore({ path: join(dir, 'vault.db'), masterKey: randomBytes(32), redactor: logger.redactor });
  key = rotateApiKey(store);
  api = await startApiServer({ store, logger, version: '0.0.0-test', caPem: () => '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', port: 0 });
});

afterAll(async () => {
  await api.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('vault API', () => {
  it('answers health without a key and refuses everything else without the right one', async () => {
    expect((await call('GET', '/api/health', undefined, null)).json).toMatchObject({ status: 'ok' });
    expect((await call('GET', '/health', undefined, null)).status).toBe(200);
    const missing = await call('GET', '/v1/secrets', undefined, null);
    expect(missing.status).toBe(401);
    expect(missing.json).toMatchObject({ error: 'unauthorized', code: 'unauthorized' });
    expect(missing.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect((await call('GET', '/v1/secrets', undefined, 'oc_' + 'f'.repeat(64))).status).toBe(401);
    expect((await call('GET', '/v1/agents', undefined, key.slice(0, -1))).status).toBe(401);
  });

  it('runs the whole secret and agent lifecycle', async () => {
    const created = await call('POST', '/v1/secrets', {
      name: 'GitHub',
      type: 'generic',
      value: SECRET_VALUE,
      hostPattern: 'API.GitHub.com.',
      injectionConfig: { headerName: 'Authorization', valueFormat: 'Bearer {value}' },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'GitHub', type: 'generic', hostPattern: 'api.github.com' });
    expect(created.json).not.toHaveProperty('value');
    const id = created.json.id as string;

    expect((await call('GET', '/v1/secrets')).json.data.map((s: any) => s.id)).toEqual([id]);
    expect((await call('GET', `/v1/secrets/${id}`)).json.name).toBe('GitHub');
    const renamed = await call('PATCH', `/v1/secrets/${id}`, { name: 'GitHub token', value: ROTATED_VALUE });
    expect(renamed.json.name).toBe('GitHub token');
    expect(store.secrets.reveal(id)).toBe(ROTATED_VALUE);
    expect((await call('POST', '/v1/secrets', { name: 'GitHub token', type: 'api_key', value: 'x'.repeat(8), hostPattern: 'a.test' })).status).toBe(409);
    // Only a honeytoken may come without a value: the vault makes one up, which never leaves it.
    const noValue = await call('POST', '/v1/secrets', { name: 'no value', type: 'api_key', hostPattern: 'a.test' });
    expect(noValue.status).toBe(400);
    expect(noValue.json.message).toContain('value');
    const decoy = await call('POST', '/v1/secrets', { name: 'decoy', type: 'honeytoken', hostPattern: 'aws.a.test' });
    expect(decoy.status).toBe(201);
    expect(store.secrets.reveal(decoy.json.id as string)).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const turned = await call('PATCH', `/v1/secrets/${decoy.json.id as string}`, { type: 'api_key' });
    expect(turned.status).toBe(400);
    expect(turned.json.message).toContain('made-up value is never sent');
    expect((await call('PATCH', `/v1/secrets/${decoy.json.id as string}`, { type: 'api_key', value: 'real-value-123' })).json.type).toBe('api_key');
    expect((await call('DELETE', `/v1/secrets/${decoy.json.id as string}`)).status).toBe(200);

    const agent = await call('POST', '/v1/agents', { name: 'Main', identifier: 'main' });
    expect(agent.status).toBe(201);
    expect(agent.json.token).toMatch(/^aoc_[0-9a-f]{64}$/);
    expect(agent.json.secretMode).toBeDefined();
    const agentId = agent.json.id as string;
    const listed = await call('GET', '/v1/agents');
    expect(listed.json.data[0]).not.toHaveProperty('token');
    expect((await call('GET', `/v1/agents/main`)).json.id).toBe(agentId);

    expect((await call('GET', `/v1/agents/${agentId}/secrets`)).json).toEqual({ data: [] });
    expect((await call('PUT', `/v1/agents/${agentId}/secrets`, { secretIds: [id] })).json).toEqual({ data: [id] });
    expect((await call('GET', `/v1/agents/${agentId}/secrets`)).json).toEqual({ data: [id] });
    const unknown = await call('PUT', `/v1/agents/${agentId}/secrets`, { secretIds: ['nope'] });
    expect(unknown.status).toBe(400);
    expect(unknown.json.field).toBe('secretIds');

    expect((await call('PUT', `/v1/agents/${agentId}/secret-mode`, { mode: 'selective' })).json.secretMode).toBe('selective');
    expect((await call('GET', `/v1/agents/${agentId}/secret-mode`)).json.secretMode).toBe('selective');

    const regen = await call('POST', `/v1/agents/${agentId}/regenerate-token`);
    expect(regen.json.token).toMatch(/^aoc_/);
    expect(regen.json.token).not.toBe(agent.json.token);
    expect(store.agents.findByToken(agent.json.token)).toBeNull();
    expect(store.agents.findByToken(regen.json.token)?.id).toBe(agentId);

    const ca = await call('GET', '/v1/gateway/ca');
    expect(ca.status).toBe(200);
    expect(ca.text).toContain('BEGIN CERTIFICATE');

    store.audit.append({ agentId, agentIdentifier: 'main', method: 'GET', host: 'api.github.com', path: '/user', secretName: 'GitHub token', decision: 'injected', status: 200, bytesIn: 1, bytesOut: 2, durationMs: 3, reason: null });
    const audit = await call('GET', '/v1/audit?host=api.github.com&limit=5');
    expect(audit.json.total).toBe(1);
    expect(audit.json.data[0]).toMatchObject({ host: 'api.github.com', decision: 'injected' });
    expect((await call('GET', '/v1/audit?host=other.test')).json.total).toBe(0);
    expect((await call('GET', '/v1/audit?limit=0')).status).toBe(400);

    expect((await call('DELETE', `/v1/agents/${agentId}`)).json).toEqual({ id: agentId, deleted: true });
    expect((await call('GET', `/v1/agents/${agentId}`)).status).toBe(404);
    expect((await call('DELETE', `/v1/secrets/${id}`)).json).toEqual({ id, deleted: true });
    expect((await call('GET', `/v1/secrets/${id}`)).status).toBe(404);
  });

  it('names the bad field, refuses oversized bodies and unknown routes', async () => {
    const bad = await call('POST', '/v1/secrets', { name: 'x', type: 'anthropic', value: 'v'.repeat(10), hostPattern: 'https://api.anthropic.com/' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: 'validation_error', code: 'validation_error', field: 'hostPattern' });
    expect(bad.json.message).toContain('hostPattern');
    const generic = await call('POST', '/v1/secrets', { name: 'g', type: 'generic', value: 'v'.repeat(10), hostPattern: 'a.test' });
    expect(generic.json.field).toBe('injectionConfig');
    const extra = await call('POST', '/v1/agents', { name: 'a', identifier: 'a', colour: 'red' });
    expect(extra.status).toBe(400);
    expect(extra.json.message).toContain('colour');
    expect((await call('POST', '/v1/agents', '{not json')).json.code).toBe('invalid_json');
    const huge = await call('POST', '/v1/secrets', { name: 'big', type: 'api_key', value: 'v'.repeat(300_000), hostPattern: 'a.test' });
    expect(huge.status).toBe(413);
    expect((await call('GET', '/v1/nothing-here')).status).toBe(404);
    expect((await call('DELETE', '/v1/secrets')).status).toBe(405);
  });

  it('never lets a value out: responses, headers and logs are clean', () => {
    const everything = seen.join('\n') + sink.lines.join('\n');
    for (const value of [SECRET_VALUE, ROTATED_VALUE]) {
      expect(everything).not.toContain(value);
      expect(everything).not.toContain(Buffer.from(value).toString('base64'));
    }
    expect(sink.lines.some((l) => l.includes('path=/v1/secrets'))).toBe(true);
  });
});

describe('an oauth2 secret through the API', () => {
  it('takes only a value the refresher reads, on create, on a new value and on a change of type', async () => {
    const value = JSON.stringify({ accessToken: 'at', refreshToken: 'rt', clientId: 'c', clientSecret: null, tokenEndpoint: 'https://oauth.test/token', expiresAt: 0, issuedAt: 0 });
    expect((await call('POST', '/v1/secrets', { name: 'bad-oauth', type: 'oauth2', value: 'ya29-bare-token', hostPattern: 'gmail.googleapis.com' })).status).toBe(400);
    const created = await call('POST', '/v1/secrets', { name: 'oauth', type: 'oauth2', value, hostPattern: 'gmail.googleapis.com' });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    const rotated = await call('PATCH', `/v1/secrets/${id}`, { value: 'ya29-bare-token' });
    expect(rotated.status).toBe(400);
    expect(rotated.json.message).toContain('not JSON');
    expect((await call('PATCH', `/v1/secrets/${id}`, { hostPattern: 'www.googleapis.com' })).status).toBe(200);
    expect(store.secrets.reveal(id)).toBe(value);
    const plain = await call('POST', '/v1/secrets', { name: 'plain', type: 'api_key', value: 'plain-value-1', hostPattern: 'a.test' });
    expect((await call('PATCH', `/v1/secrets/${plain.json.id}`, { type: 'oauth2' })).status).toBe(400);
    expect((await call('PATCH', `/v1/secrets/${plain.json.id}`, { type: 'oauth2', value })).status).toBe(200);
  });
});
