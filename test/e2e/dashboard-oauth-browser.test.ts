import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySink } from '../../src/common/logger.js';
import { parseOAuthValue } from '../../src/vault/oauth/oauth-value.js';
import type { RunningVault } from '../../src/vault/server.js';
import { viaProxy } from '../integration/gateway-harness.js';
import { gmailStub, startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import { startTempVault } from '../support/temp-vault.js';
import { startTlsUpstream, type TlsUpstream } from '../support/tls-upstream.js';

// The dashboard's OAuth connect in a real browser (Debian's chromium) against a provider of the
// test's own: the connect page, the provider's consent, the loopback redirect back to the vault,
// the code exchanged with PKCE; then an agent reads mail through the gateway with the token.

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) process.stderr.write(`dashboard-oauth-browser: SKIPPED, ${CHROMIUM} is missing (apt-get install -y chromium)\n`);

let closeVault: (() => Promise<void>) | undefined;
let oauth: OAuthServer;
let gmail: TlsUpstream;
let vault: RunningVault;
let browser: Browser;
let page: Page;
const sink = memorySink();

beforeAll(async () => {
  if (!hasChromium) return;
  oauth = await startOAuthServer({ lifetimeMs: 60_000 });
  gmail = await startTlsUpstream({ handler: gmailStub(() => oauth) });
  ({ vault, close: closeVault } = await startTempVault({ sink, extraCaFiles: [oauth.upstream.caFile, gmail.caFile], allowPrivate: [`localhost:${gmail.port}`] }));
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  // The provider's page is served with the test's own CA, which the browser does not know.
  page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await closeVault?.();
  await gmail?.close();
  await oauth?.close();
});

describe.skipIf(!hasChromium)('connecting an OAuth account from the dashboard', () => {
  it('runs the authorization-code flow with PKCE and stores a connection the gateway injects', async () => {
    // Where the gateway's connect_url leads, through the sign-in.
    await page.goto(`${vault.api.url}/connect?host=gmail.googleapis.com`);
    await page.fill('input[name="apiKey"]', vault.createdApiKey!);
    await Promise.all([page.waitForURL('**/dashboard/connect?host=gmail.googleapis.com'), page.click('#login button[type="submit"]')]);
    const form = page.locator('#oauth-connect form');
    // Prefilled from the service catalogue.
    expect(await form.locator('input[name="tokenUrl"]').inputValue()).toBe('https://oauth2.googleapis.com/token');
    expect(await form.locator('input[name="scopes"]').inputValue()).toBe('https://www.googleapis.com/auth/gmail.modify');
    // This test's provider instead, and the stub's host.
    await form.locator('input[name="name"]').fill('gmail');
    await form.locator('input[name="hostPattern"]').fill('localhost');
    await form.locator('input[name="clientId"]').fill(oauth.clientId);
    await form.locator('input[name="clientSecret"]').fill(oauth.clientSecret);
    await form.locator('input[name="authorizeUrl"]').fill(oauth.authorizeUrl);
    await form.locator('input[name="tokenUrl"]').fill(oauth.tokenUrl);
    await form.locator('button[type="submit"]').click();
    await page.locator('#continue').click();
    // The provider's consent page, then its redirect back to the vault's loopback callback.
    await page.waitForURL(`${oauth.upstream.url}/authorize**`);
    const authorize = new URL(page.url()).searchParams;
    expect(authorize.get('code_challenge_method')).toBe('S256');
    expect(authorize.get('redirect_uri')).toBe(`${vault.api.url}/dashboard/oauth/callback`);
    expect(authorize.get('access_type')).toBe('offline');
    await page.locator('#allow').click();
    await page.waitForSelector('#connected');
    expect(new URL(page.url()).pathname).toBe('/dashboard/oauth/callback');

    const secret = vault.store.secrets.getByName('gmail')!;
    expect(secret).toMatchObject({ type: 'oauth2', hostPattern: 'localhost' });
    const stored = parseOAuthValue(vault.store.secrets.reveal(secret.id)!);
    expect(stored.refreshToken).toBe(oauth.liveRefreshToken());
    expect(oauth.valid(stored.accessToken)).toBe(true);
    expect(await page.content()).not.toContain(stored.accessToken);

    // A second use of the same answer is refused (the state is used once).
    const replay = await page.goto(page.url());
    expect(replay!.status()).toBe(400);

    const { agent, token } = vault.store.agents.create({ name: 'Mail', identifier: 'mail', secretMode: 'selective' });
    vault.store.agents.setSecretIds(agent.id, [secret.id]);
    const res = await viaProxy(vault.gateway!.port, { token, connect: `localhost:${gmail.port}`, ca: vault.store.getCa()!.certPem, path: '/gmail/v1/users/me/messages' });
    expect(res.status).toBe(200);
    expect(gmail.requests.at(-1)!.headers.authorization).toBe(`Bearer ${stored.accessToken}`);
    const log = sink.lines.join('\n');
    for (const value of [stored.accessToken, stored.refreshToken!, oauth.clientSecret]) expect(log).not.toContain(value);
  });
});
