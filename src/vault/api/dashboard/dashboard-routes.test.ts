import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../../../common/logger.js';
import { Redactor } from '../../../common/redact.js';
import { createApprovalService } from '../../approvals/approval-service.js';
import type { ApprovalService } from '../../approvals/types.js';
import { openStore } from '../../store/store.js';
import type { VaultStore } from '../../store/types.js';
import { rotateApiKey } from '../api-key.js';
import { startApiServer, type StartedApi } from '../api-server.js';
import { CONTENT_SECURITY_POLICY } from './page-response.js';

// The dashboard over real HTTP on a real store: sign-in, CSRF, headers, pages, approvals.

const VALUE = `dash-${randomBytes(16).toString('hex')}`;
const ROTATED = `rot-${randomBytes(16).toString('hex')}`;
const sink = memorySink();
let dir: string;
let store: VaultStore;
let approvals: ApprovalService;
let api: StartedApi;
let key: string;
const bodies: string[] = [];

interface Res { status: number; text: string; headers: Headers }
let cookie = '';
let csrf = '';

async function http(method: string, path: string, o: { form?: Record<string, string | string[]>; headers?: Record<string, string>; jar?: string } = {}): Promise<Res> {
  const body = o.form ? new URLSearchParams(Object.entries(o.form).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x]))).toString() : undefined;
  const res = await fetch(api.url + path, {
    method,
    redirect: 'manual',
    headers: { cookie: o.jar ?? cookie, ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }), ...o.headers },
    body,
  });
  const text = await res.text();
  bodies.push(text);
  const token = /name="csrf" value="([^"]+)"/.exec(text)?.[1];
  if (token && o.jar === undefined && cookie) csrf = token;
  return { status: res.status, text, headers: res.headers };
}

const cookieValue = (setCookie: string | null, name: string) => new RegExp(`${name}=([^;]*)`).exec(setCookie ?? '')?.[1];

async function signIn(): Promise<void> {
  const login = await http('GET', '/dashboard/login', { jar: '' });
  const nonce = cookieValue(login.headers.get('set-cookie'), 'ncl_dashboard_login')!;
  const formToken = /name="csrf" value="([^"]+)"/.exec(login.text)![1]!;
  const res = await http('POST', '/dashboard/login', { jar: `ncl_dashboard_login=${nonce}`, form: { csrf: formToken, apiKey: key, next: '/dashboard/secrets' } });
  expect(res.status).toBe(303);
  cookie = `ncl_dashboard=${cookieValue(res.headers.get('set-cookie'), 'ncl_dashboard')}`;
  await http('GET', '/dashboard/secrets');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-dash-'));
  const logger = new Logger({ level: 'debug', sink, redactor: new Redactor() });
  store = openStore({ path: join(dir, 'vault.db'), masterKey: randomBytes(32), redactor: logger.redactor });
  key = rotateApiKey(store);
  approvals = createApprovalService({ store, logger, ttlMs: 60_000, channels: [] });
  api = await startApiServer({ store, logger, approvals, version: 't', caPem: () => null, port: 0 });
});

afterAll(async () => {
  approvals?.close();
  await api?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sign-in', () => {
  it('sends visitors without a session to the sign-in form, keeping where they were going', async () => {
    const res = await http('GET', '/dashboard/audit?host=x', { jar: '' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard/login?next=%2Fdashboard%2Faudit%3Fhost%3Dx');
  });

  it('refuses a wrong key and a form without its nonce; accepts the API key with a strict HttpOnly cookie', async () => {
    const login = await http('GET', '/dashboard/login', { jar: '' });
    const nonce = cookieValue(login.headers.get('set-cookie'), 'ncl_dashboard_login')!;
    const token = /name="csrf" value="([^"]+)"/.exec(login.text)![1]!;
    expect(token).toBe(nonce);
    const jar = `ncl_dashboard_login=${nonce}`;
    expect((await http('POST', '/dashboard/login', { jar, form: { csrf: token, apiKey: `${key}x` } })).status).toBe(401);
    expect((await http('POST', '/dashboard/login', { jar: '', form: { csrf: token, apiKey: key } })).status).toBe(403);
    expect((await http('POST', '/dashboard/login', { jar, form: { csrf: token, apiKey: key }, headers: { origin: 'http://evil.example' } })).status).toBe(403);
    const ok = await http('POST', '/dashboard/login', { jar, form: { csrf: token, apiKey: key, next: '//evil.example/x' } });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/dashboard');
    expect(ok.headers.get('set-cookie')).toMatch(/ncl_dashboard=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/dashboard; Max-Age=\d+/);
    expect(sink.lines.join('\n')).not.toContain(key);
  });

  it('signs out: the old cookie no longer opens pages', async () => {
    await signIn();
    const old = cookie;
    expect((await http('POST', '/dashboard/logout', { form: { csrf } })).status).toBe(303);
    expect((await http('GET', '/dashboard/secrets', { jar: old })).status).toBe(303);
    await signIn();
  });

  it('answers only to loopback Host names (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${api.url}/dashboard/login`, { headers: { host: 'rebind.evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject).end();
    });
    expect(status).toBe(403);
  });
});

describe('forms and headers', () => {
  it('refuses POSTs without the CSRF token, with a wrong one, or from another origin (403), changing nothing', async () => {
    const form = { name: 'x', type: 'api_key', value: VALUE, hostPattern: 'x.example' };
    expect((await http('POST', '/dashboard/secrets', { form })).status).toBe(403);
    expect((await http('POST', '/dashboard/secrets', { form: { ...form, csrf: `${csrf}x` } })).status).toBe(403);
    expect((await http('POST', '/dashboard/secrets', { form: { ...form, csrf }, headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect((await http('POST', '/dashboard/secrets', { form: { ...form, csrf }, jar: '' })).status).toBe(403);
    expect(store.secrets.getByName('x')).toBeNull();
  });

  it('rotates an OAuth connection only to a value the refresher reads', async () => {
    const value = JSON.stringify({ accessToken: 'at', refreshToken: 'rt', clientId: 'c', clientSecret: null, tokenEndpoint: 'https://oauth.test/token', expiresAt: 0, issuedAt: 0 });
    const secret = store.secrets.create({ name: 'mail', type: 'oauth2', value, hostPattern: 'gmail.googleapis.com' });
    expect((await http('POST', `/dashboard/secrets/${secret.id}/rotate`, { form: { csrf, value: ROTATED } })).status).toBe(303);
    expect(store.secrets.reveal(secret.id)).toBe(value);
    expect((await http('GET', '/dashboard/secrets')).text).toContain('Did not rotate mail: An oauth2 secret');
    store.secrets.delete(secret.id);
  });

  it('creates a secret from the form, rotates it, and never shows either value', async () => {
    const bad = await http('POST', '/dashboard/secrets', { form: { csrf, name: 'GitHub', type: 'api_key', value: VALUE, hostPattern: 'https://bad' } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('hostPattern');
    expect(bad.text).toContain('value="GitHub"');
    const made = await http('POST', '/dashboard/secrets', { form: { csrf, name: 'GitHub', type: 'api_key', value: VALUE, hostPattern: 'api.github.com' } });
    expect(made.status).toBe(303);
    const secret = store.secrets.getByName('GitHub')!;
    expect(store.secrets.reveal(secret.id)).toBe(VALUE);
    const dup = await http('POST', '/dashboard/secrets', { form: { csrf, name: 'GitHub', type: 'api_key', value: VALUE, hostPattern: 'api.github.com' } });
    expect(dup.status).toBe(409);
    expect((await http('POST', `/dashboard/secrets/${secret.id}/rotate`, { form: { csrf, value: ROTATED } })).status).toBe(303);
    expect(store.secrets.reveal(secret.id)).toBe(ROTATED);
    const list = await http('GET', '/dashboard/secrets');
    expect(list.text).toContain('Rotated the value of GitHub');
    expect(list.text).toMatch(/<input id="rotate-[^"]+" name="value" type="password" autocomplete="off"/);
    for (const b of bodies) {
      expect(b).not.toContain(VALUE);
      expect(b).not.toContain(ROTATED);
    }
  });

  it('puts the CSP and the other security headers on every page, and no inline script or style', async () => {
    for (const path of ['/dashboard/approvals', '/dashboard/secrets', '/dashboard/agents', '/dashboard/audit', '/dashboard/connect?host=a.example', '/dashboard/login']) {
      const res = await http('GET', path, path === '/dashboard/login' ? { jar: '' } : {});
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-security-policy'), path).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('cache-control')).toBe('no-store');
      if (path !== '/dashboard/login') expect(res.text).toContain('<script src="/dashboard/app.js" defer></script>');
      expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i);
    }
    const js = await http('GET', '/dashboard/app.js');
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.text).not.toContain('innerHTML');
  });

  it('edits an agent\'s grants', async () => {
    const { agent } = store.agents.create({ name: 'Main', identifier: 'main', secretMode: 'all' });
    const secret = store.secrets.getByName('GitHub')!;
    const res = await http('POST', `/dashboard/agents/${agent.id}/grants`, { form: { csrf, secretMode: 'selective', secretIds: [secret.id] } });
    expect(res.status).toBe(303);
    expect(store.agents.get(agent.id)!.secretMode).toBe('selective');
    expect(store.agents.getSecretIds(agent.id)).toEqual([secret.id]);
    expect((await http('GET', '/dashboard/secrets')).text).toMatch(/<td>main<\/td>/);
  });
});

describe('connect, audit', () => {
  it('takes the gateway\'s connect_url to the create form prefilled with the host', async () => {
    const hop = await http('GET', '/connect?host=api.example.org');
    expect(hop.headers.get('location')).toBe('/dashboard/connect?host=api.example.org');
    const page = await http('GET', hop.headers.get('location')!);
    expect(page.text).toContain('<input name="hostPattern" value="api.example.org">');
    expect((await http('GET', '/connect?host=%3Cscript%3E')).headers.get('location')).toBe('/dashboard/connect');
  });

  it('prefills a known service with its pattern: one GitHub token for git on github.com and the API', async () => {
    const page = await http('GET', '/dashboard/connect?host=github.com');
    expect(page.text).toContain('<input name="hostPattern" value=".github.com">');
    expect(page.text).toContain('<input name="name" value="GitHub">');
  });

  it('filters the audit log and exports CSV with formula cells neutralised', async () => {
    const base = { agentId: null, agentIdentifier: 'main', method: 'GET', secretName: null, status: 200, bytesIn: 1, bytesOut: 2, durationMs: 3, reason: null };
    store.audit.append({ ...base, host: 'sheet.example', path: '=HYPERLINK("http://x")', decision: 'injected' });
    store.audit.append({ ...base, host: 'other.example', path: '/<b>', decision: 'blocked' });
    const page = await http('GET', '/dashboard/audit?host=other.example&decision=blocked');
    expect(page.text).toContain('/&lt;b&gt;');
    expect(page.text).not.toContain('sheet.example</td>');
    const csv = await http('GET', '/dashboard/audit.csv?host=sheet.example');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toContain('attachment');
    expect(csv.text.split('\r\n')[0]).toBe('"time","agent","method","host","path","secret","decision","status","bytesIn","bytesOut","durationMs","reason"');
    expect(csv.text).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(csv.text).not.toContain('other.example');
  });
});

describe('approvals', () => {
  async function openEvents(): Promise<{ next(type: string): Promise<any>; close(): void }> {
    const ac = new AbortController();
    const res = await fetch(`${api.url}/dashboard/events`, { headers: { cookie }, signal: ac.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    return {
      async next(type) {
        for (;;) {
          const m = new RegExp(`event: ${type}\\ndata: (.*)\\n\\n`).exec(buffer);
          if (m) {
            buffer = buffer.slice(m.index + m[0].length);
            return JSON.parse(m[1]!);
          }
          const { value, done } = await reader.read();
          if (done) throw new Error(`event stream ended before a ${type} event`);
          buffer += value;
        }
      },
      close: () => ac.abort(),
    };
  }

  const holdRequest = (body: string, more: { headers?: Record<string, string>; bodyUnseen?: number | null } = {}) => {
    const agent = store.agents.getByIdentifier('main')!;
    const secret = store.secrets.getByName('GitHub');
    return {
      agent,
      secret,
      ruleId: null,
      method: 'POST',
      host: 'api.github.com',
      path: '/repos/x',
      target: '/repos/x',
      headers: more.headers ?? {},
      bodyPreview: body,
      bodyDigest: 'd'.repeat(64),
      bodySeen: body.length,
      bodyUnseen: more.bodyUnseen ?? 0,
    };
  };

  it('streams a held request as a card, escapes its preview, and releases it on Approve', async () => {
    const events = await openEvents();
    await new Promise((r) => setTimeout(r, 50));
    const headers = { 'content-type': 'application/json', 'x-note': '<b>hi</b>' };
    const held = approvals.hold(holdRequest('{"note":"<img src=x onerror=alert(1)>"}', { headers, bodyUnseen: 70_000 }), new AbortController().signal);
    const pending = await events.next('pending');
    expect(pending.approval).toMatchObject({ agentIdentifier: 'main', method: 'POST', host: 'api.github.com', path: '/repos/x' });
    expect(pending.pendingCount).toBe(1);
    expect(pending.approval.headers).toEqual(['content-type: application/json', 'x-note: <b>hi</b>']);
    expect(pending.approval.unseen).toContain('70,000 more bytes are sent unseen');
    const page = await http('GET', '/dashboard/approvals');
    expect(page.text).toContain('Credentials Request');
    expect(page.text).toContain('<code class="request">POST api.github.com/repos/x</code>');
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.text).not.toContain('<img');
    expect(page.text).toContain('<pre class="headers">content-type: application/json\nx-note: &lt;b&gt;hi&lt;/b&gt;</pre>');
    expect(page.text).toMatch(/<p class="unseen">⚠ Only the first \d+ bytes of the body are shown; 70,000 more bytes are sent unseen\.<\/p>/);
    const id = pending.approval.id as string;
    expect((await http('POST', `/dashboard/approvals/${id}/decide`, { form: { decision: 'approve' } })).status).toBe(403);
    const decided = await http('POST', `/dashboard/approvals/${id}/decide`, { form: { csrf, decision: 'approve', grantMinutes: '' } });
    expect(decided.status).toBe(303);
    await expect(held).resolves.toMatchObject({ decision: 'approved', approvalId: id });
    expect(approvals.get(id)).toMatchObject({ status: 'approved', decidedBy: 'dashboard' });
    expect((await events.next('settled')).approval.id).toBe(id);
    const after = await http('GET', '/dashboard/approvals');
    expect(after.text).toContain('Approved POST api.github.com/repos/x');
    expect(after.text).not.toContain(`id="approval-${id}"`);
    events.close();
  });

  it('streams an alert (a honeytoken was used) and lists it on the approvals page, escaped', async () => {
    const events = await openEvents();
    await new Promise((r) => setTimeout(r, 50));
    const agent = store.agents.getByIdentifier('main')!;
    approvals.alert({ kind: 'honeytoken', agentId: agent.id, agentIdentifier: 'main', secretName: 'decoy <b>', method: 'GET', host: 'api.github.com', path: '/user?<i>=' });
    const alert = await events.next('alert');
    expect(alert).toMatchObject({ agentIdentifier: 'main', method: 'GET', host: 'api.github.com', path: '/user?<i>=', secretName: 'decoy <b>' });
    const page = await http('GET', '/dashboard/approvals');
    expect(page.text).toContain('<code>GET api.github.com/user?&lt;i&gt;=</code>');
    expect(page.text).toContain('<td>decoy &lt;b&gt;</td>');
    events.close();
  });

  it('shows a new host (egress mode ask) with Allow once, Allow always and Reject; Allow always adds it to the agent’s allowlist', async () => {
    const events = await openEvents();
    await new Promise((r) => setTimeout(r, 50));
    const agent = store.agents.getByIdentifier('main')!;
    const held = approvals.hold({ ...holdRequest(''), kind: 'new_host', secret: null, method: 'CONNECT', host: 'new.example.test', path: ':443', target: ':443' }, new AbortController().signal);
    const { approval } = await events.next('pending');
    expect(approval).toMatchObject({ kind: 'new_host', host: 'new.example.test' });
    const page = await http('GET', '/dashboard/approvals');
    expect(page.text).toContain('<h2>New host</h2>');
    expect(page.text).toContain('>Allow once</button>');
    expect(page.text).toMatch(/<input type="hidden" name="always" value="1">\s*<button type="submit" class="approve">Allow always<\/button>/);
    await http('POST', `/dashboard/approvals/${approval.id}/decide`, { form: { csrf, decision: 'approve', always: '1' } });
    await expect(held).resolves.toMatchObject({ decision: 'approved' });
    expect(store.agents.get(agent.id)!.allowHosts).toContain('new.example.test');
    events.close();
  });

  it('rejects with Reject, and counts the viewer only while the stream is open', async () => {
    const events = await openEvents();
    await new Promise((r) => setTimeout(r, 50));
    const held = approvals.hold(holdRequest(''), new AbortController().signal);
    const { approval } = await events.next('pending');
    await http('POST', `/dashboard/approvals/${approval.id}/decide`, { form: { csrf, decision: 'deny' } });
    await expect(held).resolves.toMatchObject({ decision: 'rejected' });
    events.close();
    await new Promise((r) => setTimeout(r, 100));
    await expect(approvals.hold(holdRequest(''), new AbortController().signal)).resolves.toMatchObject({ decision: 'unreachable' });
  });

  it('creates and revokes a time-boxed grant', async () => {
    const events = await openEvents();
    await new Promise((r) => setTimeout(r, 50));
    const held = approvals.hold(holdRequest(''), new AbortController().signal);
    const { approval } = await events.next('pending');
    await http('POST', `/dashboard/approvals/${approval.id}/decide`, { form: { csrf, decision: 'approve', grantMinutes: '15' } });
    await held;
    const [grant] = approvals.listGrants();
    expect(grant).toMatchObject({ approvalId: approval.id, pathPrefix: '/repos/x' });
    expect((await http('GET', '/dashboard/approvals')).text).toContain('POST api.github.com/repos/x…');
    await http('POST', `/dashboard/approvals/grants/${grant!.id}/revoke`, { form: { csrf } });
    expect(approvals.listGrants()).toEqual([]);
    events.close();
  });
});
