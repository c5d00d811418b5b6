import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../../common/logger.js';
import { Redactor } from '../../common/redact.js';
import { createApprovalService } from '../approvals/approval-service.js';
import type { ApprovalService, HoldOutcome, HoldRequest } from '../approvals/types.js';
import type { Agent, Secret } from '../model/records.js';
import { openStore } from '../store/store.js';
import type { VaultStore } from '../store/types.js';
import { rotateApiKey } from './api-key.js';
import { startApiServer, type StartedApi } from './api-server.js';

let dir: string;
let store: VaultStore;
let approvals: ApprovalService;
let api: StartedApi;
let key: string;
let clock = Date.parse('2025-06-01T12:00:00.000Z');
let main: Agent;
let other: Agent;
let secret: Secret;

interface CallOptions {
  auth?: string | null;
  client?: string;
  signal?: AbortSignal;
}

async function call(method: string, path: string, body?: unknown, o: CallOptions = {}) {
  const headers: Record<string, string> = {};
  const auth = o.auth === undefined ? key : o.auth;
  if (auth !== null) headers.authorization = `Bearer ${auth}`;
  if (o.client) headers['x-nanoclaw-client'] = o.client;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(api.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), ...(o.signal ? { signal: o.signal } : {}) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

function hold(agent: Agent, path = '/v1/charges'): { done: Promise<HoldOutcome>; cancel: () => void } {
  const controller = new AbortController();
  const request: HoldRequest = {
    agent,
    secret,
    ruleId: null,
    method: 'POST',
    host: 'api.stripe.com',
    path,
    target: path,
    headers: {},
    bodyPreview: 'amount=5',
    bodyDigest: randomBytes(32).toString('hex'),
    bodySeen: 0,
    bodyUnseen: 0,
  };
  return { done: approvals.hold(request, controller.signal), cancel: () => controller.abort() };
}

/** Opens a dashboard viewer just long enough for one request to be routed to the owners. */
async function heldForOwner(agent: Agent = main) {
  const close = approvals.dashboardViewerOpened();
  const pending = new Promise<string>((resolve) => {
    const off = approvals.subscribe((e) => {
      if (e.type === 'pending') {
        off();
        resolve(e.approval.id);
      }
    });
  });
  const h = hold(agent);
  const id = await pending;
  close();
  return { ...h, id };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-api-approvals-'));
  const logger = new Logger({ level: 'silent', sink: memorySink(), redactor: new Redactor() });
  store = openStore({ path: join(dir, 'vault.db'), masterKey: randomBytes(32), redactor: logger.redactor });
  key = rotateApiKey(store);
  main = store.agents.create({ name: 'Main', identifier: 'main' }).agent;
  other = store.agents.create({ name: 'Other', identifier: 'other' }).agent;
  secret = store.secrets.create({ name: 'Stripe', type: 'api_key', value: 'sk_test_abcdef', hostPattern: 'api.stripe.com' });
  approvals = createApprovalService({ store, logger, ttlMs: 60_000, channels: [], now: () => clock });
  api = await startApiServer({ store, logger, approvals, version: '0.0.0-test', caPem: () => null, port: 0 });
});

afterAll(async () => {
  approvals.close();
  await api.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('approvals API', () => {
  it('needs the API key and checks its query', async () => {
    expect((await call('GET', '/api/approvals', undefined, { auth: null })).status).toBe(401);
    expect((await call('GET', '/api/approvals/pending?timeout=31')).status).toBe(400);
    expect((await call('GET', '/api/approvals?status=maybe')).status).toBe(400);
    expect((await call('GET', '/api/approvals/pending?timeout=0', undefined, { client: 'bad name!' })).status).toBe(400);
  });

  it('long-polls: returns on a new pending approval, and empty after the timeout', async () => {
    const t0 = performance.now();
    expect(await call('GET', '/api/approvals/pending?timeout=1')).toEqual({ status: 200, json: { data: [] } });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(900);

    const poll = call('GET', '/api/approvals/pending?agent=main&timeout=10');
    await new Promise((r) => setTimeout(r, 100));
    const h = hold(main);
    const answered = await poll;
    expect(answered.status).toBe(200);
    expect(answered.json.data).toEqual([expect.objectContaining({ agentIdentifier: 'main', status: 'pending', routedTo: 'host', bodyPreview: 'amount=5' })]);
    const id = answered.json.data[0].id;
    // Scoped to another agent: not shown.
    expect((await call('GET', '/api/approvals/pending?agent=other&timeout=0')).json).toEqual({ data: [] });
    expect((await call('GET', '/api/approvals/pending?agent=no-such-agent&timeout=0')).json).toEqual({ data: [] });

    const decided = await call('POST', `/api/approvals/${id}/decision`, { decision: 'approve' });
    expect(decided.status).toBe(200);
    expect(decided.json).toMatchObject({ data: { id, status: 'approved', decidedBy: 'api' }, grant: null });
    expect(await h.done).toMatchObject({ decision: 'approved', approvalId: id });
  });

  it('ends a long-poll when its client disconnects', async () => {
    const controller = new AbortController();
    const poll = call('GET', '/api/approvals/pending?timeout=30', undefined, { signal: controller.signal }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    await poll;
    await new Promise((r) => setTimeout(r, 100));
    // Had the poll stayed open the unnamed client would still be reachable; 36 s later it is not.
    clock += 36_000;
    const h = hold(main);
    const outcome = await Promise.race([h.done, new Promise((r) => setTimeout(() => r('still held'), 2_000))]);
    h.cancel();
    expect(outcome).toMatchObject({ decision: 'unreachable' });
  });

  it('answers decisions with 200, 404, 410, 409 and 400', async () => {
    const a = await heldForOwner();
    const granted = await call('POST', `/api/approvals/${a.id}/decision`, { decision: 'approve', grantMinutes: 10 });
    expect(granted.status).toBe(200);
    expect(granted.json.grant).toMatchObject({ approvalId: a.id, pathPrefix: '/v1/charges', method: 'POST', host: 'api.stripe.com' });
    expect((await call('POST', `/api/approvals/${a.id}/decision`, { decision: 'deny' })).json).toMatchObject({ code: 'approval_already_decided' });
    expect((await call('POST', `/api/approvals/${a.id}/decision`, { decision: 'deny' })).status).toBe(409);
    expect((await call('POST', '/api/approvals/apr_nope/decision', { decision: 'deny' })).status).toBe(404);
    expect((await call('POST', `/api/approvals/${a.id}/decision`, { decision: 'maybe' })).status).toBe(400);
    expect((await call('POST', `/api/approvals/${a.id}/decision`, { decision: 'approve', extra: 1 })).status).toBe(400);

    const b = await heldForOwner(other);
    b.cancel();
    await b.done;
    const gone = await call('POST', `/api/approvals/${b.id}/decision`, { decision: 'approve' });
    expect(gone).toMatchObject({ status: 410, json: { code: 'approval_expired' } });
    const c = await heldForOwner(other);
    clock += 60_000;
    expect((await call('POST', `/api/approvals/${c.id}/decision`, { decision: 'approve' })).status).toBe(410);
    expect(await c.done).toMatchObject({ decision: 'expired' });

    expect((await call('GET', `/api/approvals/${a.id}`)).json).toMatchObject({ id: a.id, status: 'approved' });
    expect((await call('GET', '/api/approvals/apr_nope')).status).toBe(404);
    const listed = await call('GET', '/api/approvals?status=approved&limit=50');
    expect(listed.json.data.map((x: { id: string }) => x.id)).toContain(a.id);
    expect(listed.json.data.every((x: { status: string }) => x.status === 'approved')).toBe(true);

    const grants = await call('GET', '/api/approvals/grants');
    expect(grants.json.data.map((g: { id: string }) => g.id)).toEqual([granted.json.grant.id]);
    expect(await call('DELETE', `/api/approvals/grants/${granted.json.grant.id}`)).toEqual({ status: 200, json: { id: granted.json.grant.id, deleted: true } });
    expect((await call('DELETE', `/api/approvals/grants/${granted.json.grant.id}`)).status).toBe(404);
    expect((await call('GET', '/api/approvals/grants')).json).toEqual({ data: [] });
  });

  it('keeps two named host clients apart', async () => {
    await call('POST', '/api/approvers', { name: 'A', role: 'group_admin', agentIds: ['main'], channel: 'host', address: 'host-a' });
    await call('POST', '/api/approvers', { name: 'B', role: 'group_admin', agentIds: ['other'], channel: 'host', address: 'host-b' });
    const pollA = call('GET', '/api/approvals/pending?timeout=2', undefined, { client: 'host-a' });
    const pollB = call('GET', '/api/approvals/pending?timeout=10', undefined, { client: 'host-b' });
    await new Promise((r) => setTimeout(r, 100));
    const h = hold(other);
    const forB = (await pollB).json.data;
    expect(forB).toEqual([expect.objectContaining({ agentIdentifier: 'other' })]);
    expect((await pollA).json).toEqual({ data: [] });
    expect((await call('GET', '/api/approvals/pending?timeout=0', undefined, { client: 'host-a' })).json).toEqual({ data: [] });
    const refused = await call('POST', `/api/approvals/${forB[0].id}/decision`, { decision: 'approve' }, { client: 'host-a' });
    expect(refused).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    const ok = await call('POST', `/api/approvals/${forB[0].id}/decision`, { decision: 'deny' }, { client: 'host-b' });
    expect(ok.json.data).toMatchObject({ status: 'rejected', decidedBy: 'host-b' });
    expect(await h.done).toMatchObject({ decision: 'rejected' });
  });
});

describe('rules and approvers API', () => {
  it('creates, lists, gets and deletes rules, resolving agent identifiers and secret names', async () => {
    const created = await call('POST', '/api/rules', { action: 'manual_approval', hostPattern: 'API.stripe.com', method: 'post', agentId: 'main', secretId: 'Stripe', pathPattern: '/v1/*' });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ id: created.json.id, action: 'manual_approval', hostPattern: 'api.stripe.com', method: 'POST', agentId: main.id, secretId: secret.id, pathPattern: '/v1/*' });
    expect(store.rules.list()).toContainEqual(created.json);
    expect((await call('GET', '/api/rules')).json.data).toContainEqual(created.json);
    expect((await call('GET', `/api/rules/${created.json.id}`)).json).toEqual(created.json);
    expect((await call('POST', '/api/rules', { action: 'rate_limit', hostPattern: 'a.test' })).json).toMatchObject({ code: 'validation_error', field: 'limit' });
    expect((await call('POST', '/api/rules', { action: 'block', hostPattern: 'a.test', agentId: 'ghost' })).json).toMatchObject({ code: 'validation_error', field: 'agentId' });
    expect((await call('POST', '/api/rules', { action: 'block', hostPattern: 'http://a.test/' })).status).toBe(400);
    expect((await call('DELETE', `/api/rules/${created.json.id}`)).json).toEqual({ id: created.json.id, deleted: true });
    expect((await call('DELETE', `/api/rules/${created.json.id}`)).status).toBe(404);
    expect((await call('GET', `/api/rules/${created.json.id}`)).status).toBe(404);
  });

  it('creates, lists and deletes approvers with their checks', async () => {
    const created = await call('POST', '/api/approvers', { name: 'Ops', role: 'group_admin', agentIds: ['other'], channel: 'telegram', address: '-100123' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'Ops', role: 'group_admin', agentIds: [other.id], channel: 'telegram', address: '-100123' });
    expect((await call('GET', '/api/approvers')).json.data).toContainEqual(created.json);
    expect((await call('POST', '/api/approvers', { name: 'X', role: 'group_admin', channel: 'dashboard' })).json).toMatchObject({ field: 'agentIds' });
    expect((await call('POST', '/api/approvers', { name: 'X', role: 'owner', channel: 'telegram', address: '@me' })).json).toMatchObject({ field: 'address' });
    expect((await call('POST', '/api/approvers', { name: 'X', role: 'owner', channel: 'pager' })).status).toBe(400);
    expect((await call('POST', '/api/approvers', { name: 'X', role: 'group_admin', agentIds: ['ghost'], channel: 'dashboard' })).status).toBe(400);
    expect((await call('DELETE', `/api/approvers/${created.json.id}`)).status).toBe(200);
    expect((await call('DELETE', `/api/approvers/${created.json.id}`)).status).toBe(404);
  });
});
