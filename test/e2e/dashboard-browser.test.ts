import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySink } from '../../src/common/logger.js';
import { CONTENT_SECURITY_POLICY } from '../../src/vault/api/dashboard/page-response.js';
import { GRANT_TTL_MS } from '../../src/vault/gateway/grant-cache.js';
import type { RunningVault } from '../../src/vault/server.js';
import { viaProxy } from '../integration/gateway-harness.js';
import { startTempVault } from '../support/temp-vault.js';
import { startTlsUpstream, type TlsUpstream } from '../support/tls-upstream.js';

// A real browser (Debian's chromium, driven by playwright-core) against a real vault: sign in,
// watch a held agent request arrive as a card without a reload, approve it, and check the
// upstream got the injected credential. Then the secret forms, CSRF and CSP.

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) process.stderr.write(`dashboard-browser: SKIPPED, ${CHROMIUM} is missing (apt-get install -y chromium)\n`);

const PAY_VALUE = `pay-${randomBytes(16).toString('hex')}`;
const FORM_VALUE = `form-${randomBytes(16).toString('hex')}`;
const PAGES = ['/dashboard/approvals', '/dashboard/secrets', '/dashboard/agents', '/dashboard/audit', '/dashboard/connect?host=api.github.com'];

let closeVault: (() => Promise<void>) | undefined;
let upstream: TlsUpstream;
let vault: RunningVault;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let agentToken: string;
const sink = memorySink();
const browserProblems: string[] = [];

beforeAll(async () => {
  if (!hasChromium) return;
  upstream = await startTlsUpstream();
  ({ vault, close: closeVault } = await startTempVault({ sink, extraCaFiles: [upstream.caFile], allowPrivate: [`localhost:${upstream.port}`] }));
  const { store } = vault;
  const { agent, token } = store.agents.create({ name: 'Payer', identifier: 'payer', secretMode: 'selective' });
  agentToken = token;
  const secret = store.secrets.create({ name: 'pay', type: 'api_key', value: PAY_VALUE, hostPattern: 'localhost' });
  store.agents.setSecretIds(agent.id, [secret.id]);
  store.rules.create({ action: 'manual_approval', hostPattern: 'localhost', pathPattern: '/v1/*' });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  context = await browser.newContext();
  page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && browserProblems.push(m.text()));
  page.on('pageerror', (e) => browserProblems.push(String(e)));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await closeVault?.();
  await upstream?.close();
});

describe.skipIf(!hasChromium)('the dashboard in a real browser', () => {
  it('signs in with the API key and lands on the page it asked for', async () => {
    await page.goto(`${vault.api.url}/dashboard/approvals`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');
    await page.fill('input[name="apiKey"]', vault.createdApiKey!);
    await Promise.all([page.waitForURL('**/dashboard/approvals'), page.click('#login button[type="submit"]')]);
    await page.waitForSelector('body[data-live="connected"]');
    const cookie = (await context.cookies()).find((c) => c.name === 'ncl_dashboard');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/dashboard' });
  });

  it('shows a held agent request as a card without a reload; Approve releases it with the credential injected', async () => {
    await page.evaluate('window.sameDocument = true');
    const seenBefore = upstream.requests.length;
    const body = '{"amount":500,"note":"<b>please</b>"}';
    const agentRequest = viaProxy(vault.gateway!.port, {
      token: agentToken,
      connect: `localhost:${upstream.port}`,
      ca: vault.store.getCa()!.certPem,
      method: 'POST',
      path: '/v1//charges?amount=500',
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), cookie: 'session=s3cr3t', 'x-trace': '<i>t1</i>' },
      body,
    });
    const card = page.locator('article.card').first();
    await card.waitFor({ timeout: 15_000 });
    expect(await page.evaluate('window.sameDocument === true')).toBe(true);
    await expect(card.locator('h2').textContent()).resolves.toBe('Credentials Request');
    await expect(card.locator('.agent').textContent()).resolves.toBe('payer');
    await expect(card.locator('.request').textContent()).resolves.toBe('POST localhost/v1/charges?amount=500');
    await expect(card.locator('.preview').textContent()).resolves.toBe(body);
    // The headers the card was built with in the browser (app.js), the cookie removed.
    const headers = (await card.locator('.headers').textContent()) ?? '';
    expect(headers).toContain('x-trace: <i>t1</i>');
    expect(headers).toContain('content-type: application/json');
    expect(headers).not.toContain('s3cr3t');
    expect(await card.locator('.unseen').count()).toBe(0);
    expect(await card.locator('.time-left').textContent()).toMatch(/^\d+m \d+s left$|^\d+s left$/);
    expect(await page.locator('#pending-count').textContent()).toBe('1');
    expect(upstream.requests.length).toBe(seenBefore);

    await Promise.all([page.waitForURL('**/dashboard/approvals'), card.locator('button.approve').click()]);
    const response = await agentRequest;
    expect(response.status).toBe(200);
    const seen = upstream.requests.slice(seenBefore);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${PAY_VALUE}`);
    expect(seen[0]!.body.toString()).toBe(body);
    expect(seen[0]!.url).toBe('/v1//charges?amount=500'); // sent as the agent wrote it
    expect(await page.locator('.flash.ok').textContent()).toContain('Approved POST localhost/v1/charges');
    expect(await page.locator('article.card').count()).toBe(0);
  });

  it('creates a secret through the connect form, and no page ever contains its value', async () => {
    await page.goto(`${vault.api.url}/connect?host=api.github.com`);
    expect(page.url()).toBe(`${vault.api.url}/dashboard/connect?host=api.github.com`);
    expect(await page.inputValue('#create-secret input[name="hostPattern"]')).toBe('.github.com');
    await page.fill('#create-secret input[name="name"]', 'GitHub');
    await page.fill('#create-secret input[name="value"]', FORM_VALUE);
    await Promise.all([page.waitForURL('**/dashboard/secrets'), page.click('#create-secret button[type="submit"]')]);
    const created = vault.store.secrets.getByName('GitHub')!;
    expect(created.hostPattern).toBe('.github.com');
    expect(vault.store.secrets.reveal(created.id)).toBe(FORM_VALUE);

    for (const path of [...PAGES, '/dashboard/audit.csv', '/dashboard/app.js']) {
      const res = await context.request.get(`${vault.api.url}${path}`);
      expect(res.status(), path).toBe(200);
      const text = await res.text();
      expect(text, path).not.toContain(FORM_VALUE);
      expect(text, path).not.toContain(PAY_VALUE);
    }
    for (const path of PAGES) {
      await page.goto(`${vault.api.url}${path}`);
      expect(await page.content(), path).not.toContain(FORM_VALUE);
      expect(await page.evaluate("[...document.querySelectorAll('input[name=value]')].map((e) => e.value).join('')")).toBe('');
    }
    expect(sink.lines.join('\n')).not.toContain(FORM_VALUE);
  });

  it('shows a honeytoken alert live, and a new-host card whose Allow always adds the host to the agent’s allowlist', async () => {
    const problemsBefore = browserProblems.length;
    await page.goto(`${vault.api.url}/dashboard/approvals`);
    await page.waitForSelector('body[data-live="connected"]');
    const { store } = vault;
    const payer = store.agents.getByIdentifier('payer')!;
    const decoy = store.secrets.create({ name: 'Decoy <b>', type: 'honeytoken', value: randomBytes(16).toString('hex'), hostPattern: 'localhost', pathPattern: '/decoy/*' });
    store.agents.setSecretIds(payer.id, [...(store.agents.getSecretIds(payer.id) ?? []), decoy.id]);
    // A new grant applies once the gateway's grant cache renews (GRANT_TTL_MS): the test before
    // this one may have filled it for this agent and host moments ago.
    const useDecoy = () => viaProxy(vault.gateway!.port, { token: agentToken, connect: `localhost:${upstream.port}`, ca: store.getCa()!.certPem, path: '/decoy/keys?x=1' });
    let refused = await useDecoy();
    for (let tries = 0; refused.status !== 403 && tries < 40; tries++) {
      await new Promise((r) => setTimeout(r, GRANT_TTL_MS / 10));
      refused = await useDecoy();
    }
    expect(refused.status).toBe(403);
    const alert = page.locator('#alert-live p.alert').first();
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.textContent()).toMatch(/^Honeytoken used, request blocked: payer GET localhost\/decoy\/keys\?x= \(decoy Decoy <b>, /);

    const held = vault.approvals.hold(
      { kind: 'new_host', agent: payer, secret: null, ruleId: null, method: 'CONNECT', host: 'pypi.example', path: ':443', target: ':443', headers: {}, bodyPreview: '', bodyDigest: '', bodySeen: 0, bodyUnseen: 0 },
      new AbortController().signal,
    );
    const card = page.locator('article.card').first();
    await card.waitFor({ timeout: 15_000 });
    await expect(card.locator('h2').textContent()).resolves.toBe('New host');
    await expect(card.locator('.request').textContent()).resolves.toBe('CONNECT pypi.example:443');
    expect(await card.locator('button').allTextContents()).toEqual(['Allow once', 'Allow always', 'Reject']);
    await Promise.all([page.waitForURL('**/dashboard/approvals'), card.locator('button', { hasText: 'Allow always' }).click()]);
    await expect(held).resolves.toMatchObject({ decision: 'approved' });
    expect(store.agents.get(payer.id)!.allowHosts).toContain('pypi.example');
    // No script error while app.js built the banner and the card (a missing favicon is not one).
    expect(browserProblems.slice(problemsBefore).filter((p) => !/Failed to load resource/.test(p))).toEqual([]);
  });

  it('refuses a form POST with a wrong CSRF token (403) and changes nothing', async () => {
    const res = await context.request.post(`${vault.api.url}/dashboard/secrets`, {
      form: { csrf: 'not-the-token', name: 'Sneaky', type: 'api_key', value: 'sneaky-value-123', hostPattern: 'evil.example' },
    });
    expect(res.status()).toBe(403);
    expect(vault.store.secrets.getByName('Sneaky')).toBeNull();
  });

  it('sends the CSP on every page, runs no inline script, and the browser reports no violation', async () => {
    for (const path of PAGES) {
      const res = await page.goto(`${vault.api.url}${path}`);
      expect(res!.headers()['content-security-policy'], path).toBe(CONTENT_SECURITY_POLICY);
      const scripts = await page.evaluate('[...document.scripts].map((s) => s.src)');
      expect(scripts, path).toEqual([`${vault.api.url}/dashboard/app.js`]);
      const inline = await page.evaluate("[...document.querySelectorAll('*')].some((e) => e.hasAttribute('style') || [...e.attributes].some((a) => a.name.startsWith('on')))");
      expect(inline, path).toBe(false);
    }
    expect(browserProblems.filter((p) => /Content Security Policy|Refused/i.test(p))).toEqual([]);
  });
});
