import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOAuthValue, serializeOAuthValue } from '../../src/vault/oauth/oauth-value.js';
import type { GatewayOptions } from '../../src/vault/gateway/gateway-server.js';
import { gmailStub, startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import { pick, seededRandom } from '../support/seeded-random.js';
import { agentConnection, type Seen } from './fast-lane-harness.js';
import { startHarness, type Harness } from './gateway-harness.js';

/**
 * An `oauth2` secret against a provider of the tests' own whose access tokens live 2 seconds and
 * whose refresh tokens rotate, and a Gmail-shaped upstream that refuses an expired token with 401:
 * on every gateway path the agent keeps getting its mail over several expiries, concurrent
 * requests at expiry cause one refresh, a refused token is renewed for the next request, and a
 * revoked grant answers `app_not_connected` with the connect URL.
 */

const PATHS: [string, Partial<GatewayOptions>][] = [
  ['native TLS, fast lane', { tls: 'native', fastLane: true }],
  ['native TLS, TypeScript path', { tls: 'native', fastLane: false }],
  ['Node TLS', { tls: 'node' }],
];

const GMAIL = 'gmail.googleapis.com';
const READS = ['/gmail/v1/users/me/messages', '/gmail/v1/users/me/messages?q=is%3Aunread', '/gmail/v1/users/me/labels', '/gmail/v1/users/me/profile'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(PATHS)('an oauth2 secret (%s)', (_name, gateway) => {
  let oauth: OAuthServer;
  let h: Harness;
  let target: string;

  beforeAll(async () => {
    oauth = await startOAuthServer({ lifetimeMs: 2_000 });
    h = await startHarness({ handler: gmailStub(() => oauth), gateway, extraCaPem: [oauth.upstream.caPem] });
    target = `${GMAIL}:${h.upstream.port}`;
  });
  afterAll(async () => {
    await h?.close();
    await oauth?.close();
  });

  /** An agent holding a fresh connection to the provider, as the connect page leaves it. */
  const connectedAgent = (identifier: string): { token: string; secretId: string } => {
    const { token } = h.addAgent(identifier);
    const issued = oauth.issue();
    const secretId = h.addSecret({
      name: `gmail-${identifier}`,
      type: 'oauth2',
      hostPattern: GMAIL,
      value: serializeOAuthValue({ ...issued, clientId: oauth.clientId, clientSecret: oauth.clientSecret, tokenEndpoint: oauth.tokenUrl }),
    });
    return { token, secretId };
  };
  // With the placeholder (the TypeScript path's) or without a credential (the lane's where it runs).
  const get = (path: string, placeholder = true) =>
    `GET ${path} HTTP/1.1\r\nHost: ${target}\r\n${placeholder ? 'Authorization: Bearer onecli-managed\r\n' : ''}\r\n`;

  it('keeps the agent reading mail over several expiries, and stores each rotated refresh token', async () => {
    const { token, secretId } = connectedAgent('reader');
    const random = seededRandom(18);
    const statuses: number[] = [];
    const before = oauth.refreshes;
    let agent = await agentConnection(h, token, target, h.vaultCaPem);
    // Until three tokens have expired; requests spaced 20–200 ms, now and then on a new connection.
    while (oauth.refreshes - before < 3) {
      if (random() < 0.15) {
        agent.close();
        agent = await agentConnection(h, token, target, h.vaultCaPem);
      }
      agent.send(get(pick(random, READS), random() < 0.3));
      statuses.push((await agent.read('GET')).status);
      await sleep(20 + Math.floor(random() * 180));
    }
    agent.close();
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(statuses.length).toBeGreaterThan(10);
    // What is stored is what the provider would take now: the last rotated refresh token.
    const stored = parseOAuthValue(h.store.secrets.reveal(secretId)!);
    expect(stored.refreshToken).toBe(oauth.liveRefreshToken());
    expect(oauth.valid(stored.accessToken)).toBe(true);
    // Sealed like any value: the database file (and its WAL) never holds a token or the client secret.
    const files = [h.storeFile.dbPath, `${h.storeFile.dbPath}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1'));
    for (const plain of [stored.accessToken, stored.refreshToken!, oauth.clientSecret]) expect(files.some((f) => f.includes(plain))).toBe(false);
    // Every request the upstream saw carried a token, never the placeholder.
    expect(h.upstream.requests.every((r) => /^Bearer at-/.test(r.headers.authorization ?? ''))).toBe(true);
    // The lane served them where it runs (a wait is handed to the TypeScript path).
    if (gateway.fastLane) expect(h.gateway.laneCounts().forwarded).toBeGreaterThan(statuses.length / 3);
  });

  it('makes concurrent requests at expiry wait for exactly one refresh', async () => {
    const { token, secretId } = connectedAgent('burst');
    const agents = await Promise.all(Array.from({ length: 6 }, () => agentConnection(h, token, target, h.vaultCaPem)));
    const first = parseOAuthValue(h.store.secrets.reveal(secretId)!).accessToken;
    // The first request reads the token, then nothing until it expired.
    agents[0]!.send(get(READS[0]!));
    expect((await agents[0]!.read('GET')).status).toBe(200);
    while (oauth.valid(first)) await sleep(50);
    const before = oauth.refreshes;
    const seen: Seen[] = await Promise.all(
      agents.map(async (a, i) => {
        a.send(get(READS[i % READS.length]!, i % 2 === 0));
        return a.read('GET');
      }),
    );
    for (const a of agents) a.close();
    expect(seen.map((s) => s.status)).toEqual(seen.map(() => 200));
    expect(oauth.refreshes - before).toBe(1);
  });

  it('renews a token the upstream refused: the TypeScript path sends a bodiless request again, the lane renews it for the next', async () => {
    const { token, secretId } = connectedAgent('refused');
    const agent = await agentConnection(h, token, target, h.vaultCaPem);
    const refuse = async (): Promise<void> => {
      agent.send(get(READS[0]!));
      expect((await agent.read('GET')).status).toBe(200);
      oauth.expire(parseOAuthValue(h.store.secrets.reveal(secretId)!).accessToken);
    };
    // With the placeholder (the TypeScript path on every gateway): sent again with a new token.
    await refuse();
    let before = oauth.refreshes;
    const seenBefore = h.upstream.requests.length;
    agent.send(get(READS[1]!));
    expect((await agent.read('GET')).status).toBe(200);
    expect(oauth.refreshes - before).toBe(1);
    const sent = h.upstream.requests.slice(seenBefore).map((r) => r.headers.authorization);
    expect(sent).toHaveLength(2);
    expect(sent[0]).not.toBe(sent[1]);
    // Without one: the lane (where it runs) has sent the request itself and cannot resend it; the
    // agent gets the upstream's 401 and its next request goes with a new token.
    await refuse();
    before = oauth.refreshes;
    agent.send(get(READS[1]!, false));
    expect((await agent.read('GET')).status).toBe(gateway.fastLane ? 401 : 200);
    agent.send(get(READS[2]!, false));
    expect((await agent.read('GET')).status).toBe(200);
    expect(oauth.refreshes - before).toBe(1);
    // A request with a body is not buffered to be sent again: the 401 reaches the agent.
    await refuse();
    const body = '{"raw":"bWFpbA"}';
    agent.send(`POST /gmail/v1/users/me/messages/send HTTP/1.1\r\nHost: ${target}\r\nAuthorization: Bearer onecli-managed\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expect((await agent.read('POST')).status).toBe(401);
    agent.send(get(READS[3]!));
    expect((await agent.read('GET')).status).toBe(200);
    agent.close();
    // One audit row per request the agent sent, whether or not it was sent again.
    const rows = h.rows().filter((r) => r.secretName === 'gmail-refused' && r.method !== 'CONNECT');
    expect(rows.map((r) => r.status).reverse()).toEqual([200, 200, 200, gateway.fastLane ? 401 : 200, 200, 200, 401, 200]);
  });

  it('answers app_not_connected with the connect URL once the provider revoked the grant', async () => {
    const { token, secretId } = connectedAgent('revoked');
    const first = parseOAuthValue(h.store.secrets.reveal(secretId)!).accessToken;
    oauth.revokeRefreshTokens();
    while (oauth.valid(first)) await sleep(50);
    const agent = await agentConnection(h, token, target, h.vaultCaPem);
    for (const path of READS.slice(0, 2)) {
      agent.send(get(path));
      const seen = await agent.read('GET');
      expect(seen.status).toBe(401);
      const body = JSON.parse(seen.body) as { error: string; connect_url: string; message: string };
      expect(body.error).toBe('app_not_connected');
      expect(body.connect_url).toBe(`http://vault.test:10254/connect?host=${GMAIL}`);
      expect(body.message).toContain(body.connect_url);
    }
    agent.close();
    const rows = h.rows().filter((r) => r.secretName === 'gmail-revoked' && r.method === 'GET');
    expect(rows.map((r) => [r.decision, r.reason])).toEqual([
      ['not_connected', 'oauth_refresh_failed:invalid_grant'],
      ['not_connected', 'oauth_refresh_failed:invalid_grant'],
    ]);
  });
});
