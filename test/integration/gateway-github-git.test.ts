import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLACEHOLDER } from '../../src/common/placeholder.js';
import type { GatewayOptions } from '../../src/vault/gateway/gateway-server.js';
import { pick, seededRandom } from '../support/seeded-random.js';
import { agentConnection } from './fast-lane-harness.js';
import { startHarness, type Harness } from './gateway-harness.js';

/**
 * One GitHub token (`.github.com`) for the API and for git, on every gateway path: the lane and
 * the JavaScript path on native TLS, and Node's TLS (the gateway-node-tls project). Generated requests (host, git or API path,
 * public or private, what the agent's client sent) from an agent holding the token and from one
 * holding nothing. The upstream behaves like GitHub: git takes only Basic `x-access-token:<token>`,
 * the API a Bearer, and any wrong credential fails even on a public repository.
 */

const TOKEN = `ghp_${'T'.repeat(36)}`;
const basic = (pair: string): string => `Basic ${Buffer.from(pair).toString('base64')}`;
const GIT_AUTH = basic(`x-access-token:${TOKEN}`);
const API_AUTH = `Bearer ${TOKEN}`;
const CONNECT_URL = 'http://vault.test:10254/connect?host=';

function githubLike(req: IncomingMessage, res: ServerResponse): void {
  const git = (req.headers.host ?? '').startsWith('github.com');
  const auth = req.headers.authorization;
  const valid = auth === (git ? GIT_AUTH : API_AUTH);
  const isPrivate = (req.url ?? '').includes('/private');
  if ((auth !== undefined && !valid) || (isPrivate && !valid)) {
    res.writeHead(401, git ? { 'www-authenticate': 'Basic realm="GitHub"' } : { 'content-type': 'application/json' });
    return void res.end(git ? '' : '{"message":"Bad credentials"}');
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true }));
}

interface Case {
  i: number;
  host: 'github.com' | 'api.github.com';
  visibility: 'public' | 'private';
  path: string;
  sent: Record<string, string>;
}

const SENT: Record<string, string>[] = [
  {},
  { Authorization: basic(`x-access-token:${PLACEHOLDER}`) },
  { Authorization: `Bearer ${PLACEHOLDER}` },
  { Authorization: `token ${PLACEHOLDER}`, 'X-Other': 'kept' },
];

function cases(host: Case['host'], seed: number): Case[] {
  const r = seededRandom(seed);
  return Array.from({ length: 24 }, (_, i) => {
    const visibility = pick(r, ['public', 'private'] as const);
    const repo = `/o/${visibility}-r${i}`;
    const path =
      host === 'github.com'
        ? `${repo}.git/info/refs?service=${pick(r, ['git-upload-pack', 'git-receive-pack'])}`
        : `/repos${repo}?case=${i}`;
    // Mostly nothing sent, so that the lane (which leaves placeholders to the JavaScript path) serves some.
    return { i, host, visibility, path, sent: r() < 0.5 ? {} : pick(r, SENT) };
  });
}

// The TLS transport is the project's (NANOCLAW_GATEWAY_TLS: the gateway-node-tls project runs this file on Node's TLS).
const PATHS: [string, Partial<GatewayOptions>][] =
  process.env.NANOCLAW_GATEWAY_TLS === 'node'
    ? [['Node TLS', {}]]
    : [
        ['native TLS, fast lane', { fastLane: true }],
        ['native TLS, JavaScript path', { fastLane: false }],
      ];

describe.each(PATHS)('GitHub over git and the API (%s)', (_name, gateway) => {
  let h: Harness;
  let granted: string;
  let bare: string;

  beforeAll(async () => {
    h = await startHarness({ handler: githubLike, gateway });
    const secret = h.addSecret({ name: 'GitHub', type: 'api_key', value: TOKEN, hostPattern: '.github.com' });
    const a = h.store.agents.create({ name: 'granted', identifier: 'granted', secretMode: 'selective' });
    h.store.agents.setSecretIds(a.agent.id, [secret]);
    granted = a.token;
    bare = h.store.agents.create({ name: 'bare', identifier: 'bare', secretMode: 'selective' }).token;
  });
  afterAll(async () => {
    await h?.close();
  });

  async function run(token: string, host: Case['host'], seed: number) {
    const agent = await agentConnection(h, token, `${host}:${h.upstream.port}`, h.vaultCaPem);
    const out = [];
    for (const c of cases(host, seed)) {
      const before = h.upstream.requests.length;
      const extra = Object.entries(c.sent).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      agent.send(`GET ${c.path} HTTP/1.1\r\nHost: ${host}:${h.upstream.port}\r\n${extra}\r\n`);
      const seen = await agent.read('GET');
      out.push({ c, seen, upstream: h.upstream.requests.slice(before) });
    }
    agent.close();
    return out;
  }

  for (const host of ['github.com', 'api.github.com'] as const) {
    it(`injects the one token in the form ${host} takes`, async () => {
      for (const { c, seen, upstream } of await run(granted, host, 16)) {
        expect(seen.status, c.path).toBe(200);
        expect(upstream).toHaveLength(1);
        expect(upstream[0]!.headers.authorization, c.path).toBe(host === 'github.com' ? GIT_AUTH : API_AUTH);
        if (c.sent['X-Other']) expect(upstream[0]!.headers['x-other']).toBe('kept');
      }
    });

    it(`without a credential, sends ${host} no placeholder (public works anonymously) and says where to connect`, async () => {
      for (const { c, seen, upstream } of await run(bare, host, 61)) {
        expect(upstream).toHaveLength(1);
        expect(upstream[0]!.headers.authorization, c.path).toBeUndefined();
        expect(JSON.stringify(upstream[0]!.rawHeaders)).not.toContain(PLACEHOLDER);
        if (c.visibility === 'public') {
          expect(seen.status, c.path).toBe(200);
        } else if (host === 'github.com') {
          // git prints an ERR packet line as "remote error: …".
          expect(seen.status).toBe(200);
          expect(seen.headers.join(' ')).toMatch(/application\/x-git-(upload|receive)-pack-advertisement/);
          expect(seen.body).toMatch(/^001[ef]# service=git-(upload|receive)-pack\n0000[0-9a-f]{4}ERR /);
          expect(seen.body).toContain(`${CONNECT_URL}github.com`);
        } else {
          expect(seen.status).toBe(401);
          expect(JSON.parse(seen.body)).toMatchObject({ error: 'app_not_connected', connect_url: `${CONNECT_URL}api.github.com` });
        }
      }
    });
  }

  it.runIf(gateway.fastLane)('really served some of them on the lane', () => {
    expect(h.gateway.laneCounts().forwarded).toBeGreaterThan(0);
  });
});
